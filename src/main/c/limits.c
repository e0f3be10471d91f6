/* Runtime and memory limits: the timers of running tasks, and the periodic scan of /proc. */
#include "mpagent.h"

#include <limits.h>
#include <signal.h>
#include <stdlib.h>

static long long sample_ms = DEFAULT_SAMPLE_MS;
static long long next_sample = -1; /* monotonic; -1 until the first call of run_timers */

void set_sample_period(long long ms)
{
    sample_ms = ms;
    next_sample = mono() + ms;
}

/* a running task and the resident memory of its processes found so far in this scan */
struct measured {
    pid_t id;
    struct task *t;
    long long kb;
};

static int compare_measured(const void *a, const void *b)
{
    return compare_pids(&((const struct measured *)a)->id, &((const struct measured *)b)->id);
}

struct scan {
    struct measured *tasks;   /* sorted by pid: a task's pid is its session and process group id */
    size_t n_tasks;
    const pid_t *recent;      /* sorted: sessions of tasks ended lately, where processes may be left */
    size_t n_recent;
    pid_t *left;              /* sessions found to hold such a process */
    size_t n_left, cap_left;
};

static struct measured *task_of(const struct scan *s, pid_t id)
{
    struct measured key = { id, NULL, 0 };
    return bsearch(&key, s->tasks, s->n_tasks, sizeof key, compare_measured);
}

static int measure(pid_t pid, const struct proc_stat *ps, void *arg)
{
    struct scan *s = arg;
    struct measured *m = task_of(s, ps->session);
    if (m == NULL && ps->pgrp != ps->session)
        m = task_of(s, ps->pgrp);
    if (m != NULL) {
        m->kb += ps->rss_pages * page_kb;
        return 0;
    }
    /* a session leader is no leftover; and session 0 (the kernel's threads, a container's init) is nobody's */
    if (s->n_recent == 0 || ps->session == pid || ps->session == 0)
        return 0;
    if (bsearch(&ps->session, s->recent, s->n_recent, sizeof *s->recent, compare_pids) == NULL)
        return 0;
    if (s->n_left == s->cap_left) {
        size_t cap = s->cap_left ? s->cap_left * 2 : 64;
        pid_t *grown = realloc(s->left, cap * sizeof *grown);
        if (grown == NULL)
            return 0; /* the next scan finds it again */
        s->left = grown;
        s->cap_left = cap;
    }
    s->left[s->n_left++] = ps->session;
    return 0;
}

/*
 * One scan of /proc: the resident memory of each running task's session, against its limit; and what
 * tasks that ended lately left in their sessions, which goes.
 */
static void sample(long long now)
{
    static struct measured *measured;
    static size_t cap;
    size_t n = 0;
    for (struct task *t = tasks; t != NULL; t = t->next) {
        if (t->phase != RUNNING || t->spawn_errno != 0)
            continue;
        if (n == cap) {
            size_t grown_cap = cap ? cap * 2 : 256;
            struct measured *grown = realloc(measured, grown_cap * sizeof *grown);
            if (grown == NULL)
                break; /* the tasks measured are those that fit; memory may come back before the next scan */
            measured = grown;
            cap = grown_cap;
        }
        measured[n].id = t->pid;
        measured[n].t = t;
        measured[n++].kb = 0;
    }
    struct scan s = { measured, n, NULL, 0, NULL, 0, 0 };
    pid_t *recent = NULL;
    s.n_recent = recent_sessions(now, &recent);
    s.recent = recent;
    if (n == 0 && s.n_recent == 0)
        return;
    qsort(measured, n, sizeof *measured, compare_measured);
    if (scan_procs(measure, &s) != 0)
        return;
    for (size_t i = 0; i < n; i++) {
        struct task *t = measured[i].t;
        if (measured[i].kb > t->peak_kb)
            t->peak_kb = measured[i].kb;
        if (t->mem_kb > 0 && measured[i].kb > t->mem_kb && t->kill_at == 0)
            end_task(t, "memory", 0);
    }
    qsort(s.left, s.n_left, sizeof *s.left, compare_pids);
    for (size_t i = 0; i < s.n_left; i++)
        if (i == 0 || s.left[i] != s.left[i - 1])
            sweep_left_in(s.left[i]);
    free(s.left);
}

/* Enforces deadlines and escalations; returns milliseconds until the next one is due (-1: none). */
long long run_timers(void)
{
    long long now = mono();
    if (next_sample < 0)
        next_sample = now + sample_ms;
    long long wake = LLONG_MAX;
    int running = 0;
    for (struct task *t = tasks; t != NULL; t = t->next) {
        if (t->phase != RUNNING)
            continue;
        running = 1;
        if (t->spawn_errno != 0)
            continue;
        if (t->runtime_ms > 0 && t->kill_at == 0) {
            long long deadline = t->started + t->runtime_ms;
            if (now >= deadline)
                end_task(t, "runtime", 0);
            else if (deadline < wake)
                wake = deadline;
        }
        if (t->kill_at != 0) {
            if (now >= t->kill_at) {
                signal_group(t->pid, SIGKILL, 1);
                t->kill_at = now + KILL_RETRY_MS; /* until it is reaped */
            }
            if (t->kill_at < wake)
                wake = t->kill_at;
        }
    }
    long long endings_due = run_endings(now);
    if (endings_due < wake)
        wake = endings_due;
    if (running || recently_ended_any(now)) {
        if (now >= next_sample) {
            sample(now);
            next_sample = now + sample_ms;
        }
        if (next_sample < wake)
            wake = next_sample;
    }
    return wake == LLONG_MAX ? -1 : wake - now;
}
