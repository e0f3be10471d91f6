/*
 * Ending process groups and sessions: what a task leaves in its process group when it ends, what it
 * leaves elsewhere in its session (found by later scans, for RECENT_MS after it ended), a task of
 * another launcher, and everything left below the launcher when it exits.
 */
#include "mpagent.h"

#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* the processes of one task's session and process group being ended: leftovers, or a task of another launcher */
struct ending {
    pid_t id;                         /* the task's pid: its session and process group id */
    unsigned long long leader_ticks;  /* the task process's start; a live process with this pid and other ticks is not ours */
    long long kill_at, give_up_at;
    struct ending *next;
};

static struct ending *endings;

/* ---------------------------------------------------------------- process groups */

struct members {
    pid_t id;
    pid_t *pids;
    size_t n, max;
};

static int add_member(pid_t pid, const struct proc_stat *ps, void *arg)
{
    struct members *m = arg;
    if (ps->session == m->id || ps->pgrp == m->id)
        m->pids[m->n++] = pid;
    return m->n == m->max;
}

/* Signals a task's process group and whatever else is in its session; returns how many processes were found. */
size_t signal_group(pid_t id, int sig, int scan)
{
    if (id <= 1)
        return 0; /* kill(0) is our own process group, kill(-1) every process we may signal: never a task's */
    size_t n = kill(-id, sig) == 0 ? 1 : 0;
    if (scan) {
        pid_t pids[4096];
        struct members m = { id, pids, 0, sizeof pids / sizeof pids[0] };
        scan_procs(add_member, &m);
        for (size_t i = 0; i < m.n; i++)
            kill(pids[i], sig);
        n += m.n;
    }
    return n;
}

int group_alive(pid_t id)
{
    return kill(-id, 0) == 0;
}

/* Whether id (a task's pid) now names another process than the task: then its session is not ours to end. */
static int id_reused(pid_t id, unsigned long long leader_ticks)
{
    struct proc_stat ps;
    return leader_ticks != 0 && read_proc_stat(id, &ps) == 0 && ps.start_ticks != leader_ticks;
}

static int ending_exists(pid_t id)
{
    for (struct ending *e = endings; e != NULL; e = e->next)
        if (e->id == id)
            return 1;
    return 0;
}

/* SIGTERM now to what is left of a task's group and session; SIGKILL from the grace period on, until nothing is left. */
void end_group_later(pid_t id, unsigned long long leader_ticks, long long grace_ms)
{
    if (ending_exists(id) || id_reused(id, leader_ticks) || signal_group(id, SIGTERM, 1) == 0)
        return;
    struct ending *e = calloc(1, sizeof *e);
    if (e == NULL) {
        signal_group(id, SIGKILL, 1);
        return;
    }
    long long now = mono();
    e->id = id;
    e->leader_ticks = leader_ticks;
    e->kill_at = now + grace_ms;
    e->give_up_at = now + grace_ms + KILL_GIVE_UP_MS;
    e->next = endings;
    endings = e;
}

/* Only the groups due now are looked at; returns the time of the next one due (LLONG_MAX: none). */
long long run_endings(long long now)
{
    long long wake = LLONG_MAX;
    struct ending **link = &endings;
    while (*link != NULL) {
        struct ending *e = *link;
        if (now >= e->kill_at) {
            if (id_reused(e->id, e->leader_ticks) || signal_group(e->id, SIGKILL, 1) == 0 || now >= e->give_up_at) {
                *link = e->next;
                free(e);
                continue;
            }
            e->kill_at = now + KILL_RETRY_MS;
        }
        if (e->kill_at < wake)
            wake = e->kill_at;
        link = &e->next;
    }
    return wake;
}

int endings_pending(void)
{
    return endings != NULL;
}

/* ---------------------------------------------------------------- tasks ended lately */

/*
 * Every task that ended in the last RECENT_MS, oldest first, in a ring that grows as needed: at full
 * speed thousands of tasks end per second, and each one's session is looked at for RECENT_MS.
 */
struct recent_end {
    pid_t id; /* 0 once its session was swept */
    unsigned long long leader_ticks;
    long long ended;
};

static struct {
    struct recent_end *v;
    size_t cap, head, n;
    size_t live; /* entries with id != 0 */
    pid_t *ids;  /* scratch for recent_sessions */
    size_t ids_cap;
} recent;

static struct recent_end *recent_at(size_t i)
{
    return &recent.v[(recent.head + i) % recent.cap];
}

static void expire_recent(long long now)
{
    while (recent.n > 0 && now - recent.v[recent.head].ended >= RECENT_MS) {
        if (recent.v[recent.head].id != 0)
            recent.live--;
        recent.head = (recent.head + 1) % recent.cap;
        recent.n--;
    }
}

void remember_ended(const struct task *t)
{
    long long now = mono();
    expire_recent(now);
    if (recent.n == recent.cap) {
        size_t cap = recent.cap ? recent.cap * 2 : 512;
        struct recent_end *v = malloc(cap * sizeof *v);
        if (v == NULL) {
            /* no memory: the oldest entry makes room, as in a ring of fixed size */
            if (recent_at(0)->id != 0)
                recent.live--;
            recent.head = (recent.head + 1) % recent.cap;
            recent.n--;
        } else {
            for (size_t i = 0; i < recent.n; i++)
                v[i] = *recent_at(i);
            free(recent.v);
            recent.v = v;
            recent.cap = cap;
            recent.head = 0;
        }
    }
    struct recent_end *e = recent_at(recent.n++);
    e->id = t->pid;
    e->leader_ticks = t->start_ticks;
    e->ended = now;
    recent.live++;
}

int recently_ended_any(long long now)
{
    expire_recent(now);
    return recent.live > 0;
}

/* The sessions of tasks ended lately and not yet swept, sorted (for bsearch with compare_pids); returns how many. */
size_t recent_sessions(long long now, pid_t **sorted)
{
    expire_recent(now);
    if (recent.live > recent.ids_cap) {
        pid_t *ids = realloc(recent.ids, recent.live * sizeof *ids);
        if (ids == NULL)
            return 0;
        recent.ids = ids;
        recent.ids_cap = recent.live;
    }
    size_t k = 0;
    for (size_t i = 0; i < recent.n && k < recent.live; i++)
        if (recent_at(i)->id != 0)
            recent.ids[k++] = recent_at(i)->id;
    qsort(recent.ids, k, sizeof *recent.ids, compare_pids);
    *sorted = recent.ids;
    return k;
}

/* A process was found in the session of a task that ended lately: what is left in that session goes. */
void sweep_left_in(pid_t session)
{
    for (size_t i = 0; i < recent.n; i++) {
        struct recent_end *e = recent_at(i);
        if (e->id == session) {
            end_group_later(session, e->leader_ticks, DEFAULT_GRACE_MS);
            e->id = 0;
            recent.live--;
        }
    }
}

/* ---------------------------------------------------------------- when the launcher exits */

struct proc_link {
    pid_t pid, ppid;
};

struct proc_links {
    struct proc_link *v;
    size_t n, cap;
    int failed;
};

static int add_link(pid_t pid, const struct proc_stat *ps, void *arg)
{
    struct proc_links *l = arg;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        struct proc_link *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL) {
            l->failed = 1;
            return 1;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].pid = pid;
    l->v[l->n++].ppid = ps->ppid;
    return 0;
}

static int compare_links(const void *a, const void *b)
{
    return compare_pids(&((const struct proc_link *)a)->pid, &((const struct proc_link *)b)->pid);
}

enum lineage { UNKNOWN, OURS, NOT_OURS, ON_PATH };

/*
 * Signals every live process whose chain of parents leads to `self`; returns how many. Sorted by pid,
 * each process's parent is found by binary search, and each chain is walked once: what a walk learns
 * is kept for every process on it, so one pass costs n log n for n processes.
 */
static size_t kill_lineage(struct proc_links *l, pid_t self, unsigned char *lineage, size_t *path)
{
    qsort(l->v, l->n, sizeof *l->v, compare_links);
    memset(lineage, UNKNOWN, l->n);
    size_t killed = 0;
    for (size_t i = 0; i < l->n; i++) {
        size_t depth = 0, j = i;
        enum lineage found;
        for (;;) {
            if (lineage[j] == OURS || lineage[j] == NOT_OURS) {
                found = lineage[j];
                break;
            }
            lineage[j] = ON_PATH;
            path[depth++] = j;
            pid_t parent = l->v[j].ppid;
            if (parent == self) {
                found = OURS;
                break;
            }
            struct proc_link key = { parent, 0 };
            struct proc_link *up = parent > 1 ? bsearch(&key, l->v, l->n, sizeof *l->v, compare_links) : NULL;
            if (up == NULL || lineage[up - l->v] == ON_PATH) {
                found = NOT_OURS; /* init, gone, or a loop (pids reused while /proc was read) */
                break;
            }
            j = (size_t)(up - l->v);
        }
        while (depth > 0)
            lineage[path[--depth]] = (unsigned char)found;
    }
    for (size_t i = 0; i < l->n; i++) {
        if (lineage[i] == OURS) {
            kill(l->v[i].pid, SIGKILL);
            killed++;
        }
    }
    return killed;
}

/*
 * When the launcher exits: everything tasks left behind is ours (we are their subreaper) and goes too,
 * with its own descendants, until nothing is left; each is reaped here, since pid 1 may never reap it.
 */
void kill_descendants(void)
{
    pid_t self = getpid();
    long long deadline = mono() + 5000;
    struct proc_links links = { NULL, 0, 0, 0 };
    unsigned char *lineage = NULL;
    size_t *path = NULL;
    for (;;) {
        links.n = 0;
        links.failed = 0;
        if (scan_procs(add_link, &links) != 0 || links.failed)
            break;
        unsigned char *grown_lineage = realloc(lineage, links.n + 1);
        if (grown_lineage == NULL)
            break;
        lineage = grown_lineage;
        size_t *grown_path = realloc(path, (links.n + 1) * sizeof *path);
        if (grown_path == NULL)
            break;
        path = grown_path;
        size_t killed = kill_lineage(&links, self, lineage, path);
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        if (killed == 0 || mono() > deadline)
            break;
        usleep(10000);
    }
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    free(links.v);
    free(lineage);
    free(path);
}
