/*
 * mpagent: the task supervisor of multiproc (Linux).
 *
 *   mpagent launcher STATE_DIR SLOTS
 *
 * One launcher runs per host session and supervises every task it starts. It outlives its host: when
 * the host dies (its input closes), it starts nothing new but keeps supervising what runs, records how
 * each task ends, and exits when the last one has.
 *
 * A task starts as a vfork child of the launcher. Before it executes `/bin/sh -c COMMAND`, the child
 * starts its own session (so a Ctrl-C or hang-up at the host's terminal cannot reach it) and records
 * its identity (pid and start time) in the task's state file, exclusively: if recovery has claimed the
 * attempt first, it does not run. When the command ends, the launcher records the result (exit code,
 * 128+N for signal N, why it ended, CPU and memory used), kills what the command left in its process
 * group, and enforces the runtime and memory limits while it runs. As a child subreaper, the launcher
 * inherits every process a task orphans, and kills those that are left when it exits.
 *
 * Requests (stdin): fields "name=value\0", a record ends with an empty field "\0".
 *   start a task:      key=K cmd=C env=NAME=VALUE... out=PATH err=PATH cores=N runtime_ms=N mem_kb=N grace_ms=N
 *   terminate one:     op=kill key=K            (queued: dropped; running: SIGTERM, SIGKILL after its grace)
 *   terminate another launcher's task:  op=killpid pid=P start=TICKS grace_ms=N
 *   set the sampling period:            op=sample sample_ms=N
 *   set the slots it may fill:          op=slots n=N   (the host's other slots hold tasks this one did not start)
 * Tasks start in request order as soon as their cores fit into SLOTS.
 *
 * Events (stdout), one line each:
 *   H <version> <clk_tck> <page_kb>               once, at start
 *   S <key> <pid> <start_ticks>                   a task started
 *   X <key> <pid> <wait_status> <record>          a task ended; record = its identity and result words
 *   D <key>                                       a queued task was dropped before it started
 *   E <key> <errno> <message>                     a request could not be acted on
 * A start that fails for want of a resource the machine may get back (errno ENOSPC, EDQUOT, EMFILE,
 * ENFILE, EAGAIN or ENOMEM; the E or X event carries it) hands every task still queued back to the host
 * with an E event of the same errno, so that the host can hold them, in order, until starts succeed again.
 *
 * State file STATE_DIR/KEY, one per task attempt, lines of "name=value" words, each complete line
 * closed by the word "end":
 *   line 1, written by the task before the command starts:  pid= start= t0= launcher=PID:TICKS end
 *   line 2, appended by the launcher when the command ended:  t1= exit= sig= cause= errno= stage= term=
 *           utime_us= stime_us= maxrss_kb= peak_kb= limit= end
 *   cause: exit | signal | terminated | runtime | memory | spawn_error
 * A file that holds "claimed" was claimed by recovery: that attempt must never run. A file created by
 * the task but not yet (or never) written means the command has not started. The file is created
 * once and appended to, never replaced: ext4 forces a file renamed over another to disk at once, and
 * every new file costs an inode allocation that gets slower with every recent deletion (ext4 avoids
 * reusing an inode deleted in the last 30 s), so one file per task is the budget.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define AGENT_VERSION "2"
#define MAX_ENV 64
#define KEY_MAX 200
#define DEFAULT_GRACE_MS 5000
#define DEFAULT_SAMPLE_MS 500
#define KILL_RETRY_MS 100
#define KILL_GIVE_UP_MS 10000
#define EXIT_CLAIMED 125
#define EXIT_NO_STATE 126
#define EXIT_NO_START 127

extern char **environ;

enum phase { QUEUED, RUNNING, DONE };

struct task {
    char key[KEY_MAX + 8];
    char *cmd, *out, *err;
    char *env[MAX_ENV];
    int n_env;
    int cores;
    long long runtime_ms, mem_kb, grace_ms;
    enum phase phase;
    pid_t pid;
    unsigned long long start_ticks;
    long long t0_ms;          /* wall clock at start */
    long long started;        /* monotonic at start */
    const char *cause;        /* why the launcher ended it; NULL while it runs on its own */
    int term_sig;
    long long kill_at;        /* monotonic: when SIGKILL follows SIGTERM; 0 when not ending */
    long long peak_kb;
    int spawn_errno;
    const char *stage;
    struct task *next;        /* queue order */
};

/* the processes of one task's session and process group being ended: leftovers, or a task of another launcher */
struct ending {
    pid_t id;                         /* the task's pid: its session and process group id */
    unsigned long long leader_ticks;  /* the task process's start; a live process with this pid and other ticks is not ours */
    long long kill_at, give_up_at;
    struct ending *next;
};

/* tasks ended lately: processes left in their sessions (outside their process groups) are found by a later scan */
#define RECENT 512
#define RECENT_MS 30000
static struct { pid_t id; unsigned long long leader_ticks; long long ended; } recent[RECENT];
static int recent_next;

static long page_kb;
static long long sample_ms = DEFAULT_SAMPLE_MS;
static int slots, used_slots;
static int dirfd_state;
static int dev_null; /* opened once, read-write, close-on-exec: every task's stdin, and its output when it keeps none */
static int host_connected = 1;
static struct task *tasks; /* every task not yet reported, in request order */
static struct ending *endings;

/* ---------------------------------------------------------------- small helpers */

static long long now_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long mono(void)
{
    return now_ms(CLOCK_MONOTONIC);
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static int valid_key(const char *key)
{
    if (key == NULL || key[0] == '\0' || key[0] == '.' || strlen(key) > KEY_MAX)
        return 0;
    for (const char *p = key; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
            return 0;
    return 1;
}

/* Writes the decimal digits of v at p; returns the end. Safe in a vfork child (no locale, no locks). */
static char *put_num(char *p, long long v)
{
    char digits[24];
    int n = 0;
    unsigned long long u = v < 0 ? (unsigned long long)(-v) : (unsigned long long)v;
    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        *p++ = '-';
    while (n > 0)
        *p++ = digits[--n];
    return p;
}

static char *put_str(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

/* Fields of /proc/PID/stat. Returns 0 on success; no allocation, so a vfork child may call it. */
struct proc_stat {
    char state;
    pid_t ppid;
    pid_t pgrp;
    pid_t session;
    unsigned long long start_ticks;
    long rss_pages;
};

static int read_proc_stat(pid_t pid, struct proc_stat *ps)
{
    char path[48], buf[1024];
    char *p = put_str(path, "/proc/");
    p = put_num(p, pid);
    put_str(p, "/stat")[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    /* the command name may hold spaces and parentheses: fields resume after the last ')' */
    char *q = strrchr(buf, ')');
    if (q == NULL || q[1] == '\0')
        return -1;
    q += 2;
    memset(ps, 0, sizeof *ps);
    for (int field = 3; *q; field++) {
        long long v = 0;
        char c = *q;
        while (*q >= '0' && *q <= '9')
            v = v * 10 + (*q++ - '0');
        switch (field) {
        case 3: ps->state = c; break;
        case 4: ps->ppid = (pid_t)v; break;
        case 5: ps->pgrp = (pid_t)v; break;
        case 6: ps->session = (pid_t)v; break;
        case 22: ps->start_ticks = (unsigned long long)v; break;
        case 24: ps->rss_pages = (long)v; return 0;
        default: break;
        }
        while (*q && *q != ' ')
            q++;
        while (*q == ' ')
            q++;
    }
    return -1;
}

static int is_live(pid_t pid, unsigned long long start_ticks)
{
    struct proc_stat ps;
    return read_proc_stat(pid, &ps) == 0 && ps.state != 'Z' && ps.state != 'X'
           && (start_ticks == 0 || ps.start_ticks == start_ticks);
}

/* ---------------------------------------------------------------- events to the host */

static struct { char *data; size_t len, cap; } outbuf;

static void emit(const char *fmt, ...)
{
    if (!host_connected)
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line)
        n = sizeof line - 1;
    if (outbuf.len + (size_t)n > outbuf.cap) {
        size_t cap = outbuf.cap ? outbuf.cap : 8192;
        while (cap < outbuf.len + (size_t)n)
            cap *= 2;
        char *grown = realloc(outbuf.data, cap);
        if (grown == NULL)
            return;
        outbuf.data = grown;
        outbuf.cap = cap;
    }
    memcpy(outbuf.data + outbuf.len, line, (size_t)n);
    outbuf.len += (size_t)n;
}

/*
 * Writes what the host can take now. Standard output is non-blocking: the launcher must keep reading
 * requests and reaping tasks even when the host is slow to read, or a host that writes a request while
 * its event reader waits for a lock the writer holds would deadlock with us.
 */
static void flush_events(void)
{
    size_t done = 0;
    while (host_connected && done < outbuf.len) {
        ssize_t n = write(1, outbuf.data + done, outbuf.len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            host_connected = 0; /* the host is gone; the tasks are not */
            break;
        }
        done += (size_t)n;
    }
    if (!host_connected)
        done = outbuf.len;
    memmove(outbuf.data, outbuf.data + done, outbuf.len - done);
    outbuf.len -= done;
}

/* ---------------------------------------------------------------- state files */

static unsigned long long launcher_ticks; /* our own start time, for the identity lines of our tasks */

/* Appends the result line to a task's state file; the identity line is already there. */
static void publish_result(struct task *t, int status, struct rusage *ru)
{
    int exit_code = 0, sig = 0;
    const char *cause = t->cause;
    if (t->spawn_errno != 0) {
        exit_code = EXIT_NO_START;
        cause = "spawn_error";
    } else if (WIFSIGNALED(status)) {
        sig = WTERMSIG(status);
        exit_code = 128 + sig;
        if (cause == NULL)
            cause = "signal";
    } else {
        exit_code = WEXITSTATUS(status);
    }
    if (cause == NULL)
        cause = "exit";
    long long peak = t->peak_kb > ru->ru_maxrss ? t->peak_kb : ru->ru_maxrss;
    long long limit = strcmp(cause, "runtime") == 0 ? t->runtime_ms : strcmp(cause, "memory") == 0 ? t->mem_kb : 0;
    char line[768];
    int n = snprintf(line, sizeof line,
                     "t1=%lld exit=%d sig=%d cause=%s errno=%d stage=%s term=%d utime_us=%lld stime_us=%lld maxrss_kb=%ld "
                     "peak_kb=%lld limit=%lld end\n",
                     now_ms(CLOCK_REALTIME), exit_code, sig, cause, t->spawn_errno, t->stage ? t->stage : "-", t->term_sig,
                     (long long)ru->ru_utime.tv_sec * 1000000 + ru->ru_utime.tv_usec,
                     (long long)ru->ru_stime.tv_sec * 1000000 + ru->ru_stime.tv_usec, ru->ru_maxrss, peak, limit);
    int fd = openat(dirfd_state, t->key, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0 || write_all(fd, line, (size_t)n) != 0)
        fprintf(stderr, "mpagent: cannot record the end of %s: %s\n", t->key, strerror(errno));
    if (fd >= 0)
        close(fd);
    line[n - 5] = '\0'; /* without " end\n" */
    emit("X %s %d %d pid=%d start=%llu t0=%lld %s\n", t->key, (int)t->pid, status, (int)t->pid, t->start_ticks, t->t0_ms, line);
}

/* ---------------------------------------------------------------- ending process groups */

/* Every live process in session or process group `id` (a task's pid), into pids; returns how many. */
static size_t members_of(pid_t id, pid_t *pids, size_t max)
{
    size_t n = 0;
    DIR *d = opendir("/proc");
    if (d == NULL)
        return 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < max) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);
        struct proc_stat ps;
        if (read_proc_stat(pid, &ps) == 0 && ps.state != 'Z' && (ps.session == id || ps.pgrp == id))
            pids[n++] = pid;
    }
    closedir(d);
    return n;
}

/* Signals a task's process group and whatever else is in its session; returns how many processes were found. */
static size_t signal_group(pid_t id, int sig, int scan)
{
    if (id <= 1)
        return 0; /* kill(0) is our own process group, kill(-1) every process we may signal: never a task's */
    size_t n = kill(-id, sig) == 0 ? 1 : 0;
    if (scan) {
        pid_t pids[4096];
        size_t found = members_of(id, pids, sizeof pids / sizeof pids[0]);
        for (size_t i = 0; i < found; i++)
            kill(pids[i], sig);
        n += found;
    }
    return n;
}

static int group_alive(pid_t id)
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
static void end_group_later(pid_t id, unsigned long long leader_ticks, long long grace_ms)
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
static long long run_endings(long long now)
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

static void remember_ended(struct task *t)
{
    recent[recent_next].id = t->pid;
    recent[recent_next].leader_ticks = t->start_ticks;
    recent[recent_next].ended = mono();
    recent_next = (recent_next + 1) % RECENT;
}

static int recently_ended_any(long long now)
{
    for (int i = 0; i < RECENT; i++)
        if (recent[i].id != 0 && now - recent[i].ended < RECENT_MS)
            return 1;
    return 0;
}

/* Starts ending a running task: SIGTERM now to its group and session, SIGKILL after the grace period. */
static void end_task(struct task *t, const char *cause, int term_sig)
{
    if (t->kill_at != 0)
        return;
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)t->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == t->pid)
        return; /* it ended on its own already; the reaper records how */
    if (t->cause == NULL)
        t->cause = cause;
    t->term_sig = term_sig;
    signal_group(t->pid, SIGTERM, 1);
    t->kill_at = mono() + t->grace_ms;
}

/* ---------------------------------------------------------------- starting tasks */

/* signals the launcher ignores (its own and those it inherited), to give back to commands at their default */
static int ignored[NSIG];
static int n_ignored;

static void note_ignored_signals(void)
{
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction sa;
        if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
            ignored[n_ignored++] = sig;
    }
}

/*
 * Creates a task's state file with its identity: exclusively, so that it fails if the name exists (a
 * claim by recovery). One write of a short line: a reader that looks in between sees an empty or
 * partial line, which it takes for "starting" and waits on; claims are never empty (see StateFiles).
 * Not O_TMPFILE plus link: on ext4 an unnamed file goes through the orphan list, which made the
 * spawn several times slower here.
 */
static int publish_identity(const char *key, const char *line, size_t len)
{
    int fd = openat(dirfd_state, key, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int rc = write_all(fd, line, len);
    int saved = errno;
    close(fd);
    if (rc != 0)
        unlinkat(dirfd_state, key, 0); /* ours (created exclusively), and empty or partial: the attempt did not start */
    errno = saved;
    return rc;
}

/*
 * A task's output file. O_NONBLOCK for the open only: a FIFO nobody reads fails at once instead of
 * holding the vfork'd launcher. (A hung network file system still can: keep logs on local disks.)
 */
static int open_output(const char *path)
{
    if (path == NULL)
        return dev_null; /* dup2 copies it onto 1 or 2; the original stays close-on-exec */
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK, 0600);
    if (fd >= 0)
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

struct child_error {
    int err;
    const char *stage;
};

/*
 * The vfork child: becomes its own session, records its identity, sets up its output, and becomes
 * the command. It shares the launcher's memory until it executes or exits, so it only makes system
 * calls and writes into `error`.
 */
static void become_task(struct task *t, char **envp, volatile struct child_error *error)
{
    pid_t self = getpid();
    setsid();
    struct proc_stat ps;
    unsigned long long ticks = read_proc_stat(self, &ps) == 0 ? ps.start_ticks : 0;
    t->start_ticks = ticks; /* the launcher's memory, while it waits for us: it need not read /proc itself */
    char line[160];
    char *p = put_str(line, "pid=");
    p = put_num(p, self);
    p = put_str(p, " start=");
    p = put_num(p, (long long)ticks);
    p = put_str(p, " t0=");
    p = put_num(p, t->t0_ms);
    p = put_str(p, " launcher=");
    p = put_num(p, getppid());
    *p++ = ':';
    p = put_num(p, (long long)launcher_ticks);
    p = put_str(p, " end\n");
    /* exclusive: if recovery claimed this attempt first, the command must not run */
    if (publish_identity(t->key, line, (size_t)(p - line)) != 0) {
        error->err = errno;
        error->stage = errno == EEXIST ? "claimed" : "state";
        _exit(errno == EEXIST ? EXIT_CLAIMED : EXIT_NO_STATE);
    }
    int in = dev_null;
    int out = open_output(t->out);
    if (out < 0) {
        error->err = errno;
        error->stage = "stdout";
        _exit(EXIT_NO_START);
    }
    int err = t->err != NULL && t->out != NULL && strcmp(t->err, t->out) == 0 ? out : open_output(t->err);
    if (err < 0) {
        error->err = errno;
        error->stage = "stderr";
        _exit(EXIT_NO_START);
    }
    /* dup2 clears close-on-exec on 0, 1 and 2; everything else the launcher has open closes at exec */
    if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
        error->err = errno;
        error->stage = "stdio";
        _exit(EXIT_NO_START);
    }
    /* ignored signals survive exec: the command gets every one the launcher ignores back at its default */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int i = 0; i < n_ignored; i++)
        sigaction(ignored[i], &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    char *argv[] = { "sh", "-c", t->cmd, NULL };
    execve("/bin/sh", argv, envp);
    error->err = errno;
    error->stage = "exec";
    _exit(EXIT_NO_START);
}

static char **build_env(const struct task *t)
{
    size_t n = 0;
    while (environ[n] != NULL)
        n++;
    char **envp = calloc(n + (size_t)t->n_env + 1, sizeof(char *));
    if (envp == NULL)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        /* the task's own coordinates replace any the host inherited from its own scheduler */
        if (strncmp(environ[i], "JOB_ID=", 7) == 0 || strncmp(environ[i], "ARRAY_STEP_ID=", 14) == 0)
            continue;
        envp[k++] = environ[i];
    }
    for (int i = 0; i < t->n_env; i++)
        envp[k++] = t->env[i];
    envp[k] = NULL;
    return envp;
}

/* A failure that may pass: the machine is short of disk space, file descriptors, processes or memory. */
static int is_transient(int err)
{
    return err == ENOSPC || err == EDQUOT || err == EMFILE || err == ENFILE || err == EAGAIN || err == ENOMEM;
}

/*
 * After a start failed for want of a resource, the tasks still queued here go back to the host, in
 * order: what failed once would fail for them too, and the host holds them, in their places, until
 * starts succeed again.
 */
static void give_back_queued(int err)
{
    for (struct task *t = tasks; t != NULL; t = t->next) {
        if (t->phase == QUEUED) {
            t->phase = DONE;
            emit("E %s %d not started: an earlier start failed: %s\n", t->key, err, strerror(err));
        }
    }
}

/* vfork in a frame of its own: nothing here lives on after the child has run in it */
static __attribute__((noinline)) pid_t spawn(struct task *t, char **envp, volatile struct child_error *error)
{
    pid_t pid = vfork();
    if (pid == 0)
        become_task(t, envp, error);
    return pid;
}

/* Returns the errno of a start that failed for want of a resource (then nothing more starts now), else 0. */
static int start_task(struct task *t)
{
    char **envp = build_env(t);
    if (envp == NULL) {
        emit("E %s %d out of memory\n", t->key, ENOMEM);
        t->phase = DONE;
        give_back_queued(ENOMEM);
        return ENOMEM;
    }
    volatile struct child_error error = { 0, NULL };
    t->t0_ms = now_ms(CLOCK_REALTIME);
    t->started = mono();
    pid_t pid = spawn(t, envp, &error);
    free(envp);
    if (pid < 0) {
        int err = errno;
        emit("E %s %d cannot start a process: %s\n", t->key, err, strerror(err));
        t->phase = DONE;
        if (!is_transient(err))
            return 0;
        give_back_queued(err);
        return err;
    }
    t->pid = pid;
    t->phase = RUNNING;
    used_slots += t->cores;
    if (error.err != 0) {
        t->spawn_errno = error.err;
        t->stage = error.stage;
    }
    if (error.err == 0)
        emit("S %s %d %llu\n", t->key, (int)pid, t->start_ticks);
    return is_transient(error.err) ? error.err : 0;
}

/* Starts queued tasks, in order, while the first one fits. */
static void start_queued(void)
{
    if (!host_connected)
        return;
    for (struct task *t = tasks; t != NULL; t = t->next) {
        if (t->phase != QUEUED)
            continue;
        if (used_slots + t->cores > slots)
            return;
        if (start_task(t) != 0)
            return; /* the child failed for want of a resource: the rest go back to the host once it is reaped */
    }
}

static void free_task(struct task *t)
{
    free(t->cmd);
    free(t->out);
    free(t->err);
    for (int i = 0; i < t->n_env; i++)
        free(t->env[i]);
    free(t);
}

/* Unlinks finished and dropped tasks from the list. */
static void forget_done(void)
{
    struct task **link = &tasks;
    while (*link != NULL) {
        struct task *t = *link;
        if (t->phase == DONE) {
            *link = t->next;
            free_task(t);
        } else {
            link = &t->next;
        }
    }
}

static struct task *find_key(const char *key)
{
    for (struct task *t = tasks; t != NULL; t = t->next)
        if (t->phase != DONE && strcmp(t->key, key) == 0)
            return t;
    return NULL;
}

static struct task *find_pid(pid_t pid)
{
    for (struct task *t = tasks; t != NULL; t = t->next)
        if (t->phase == RUNNING && t->pid == pid)
            return t;
    return NULL;
}

/* ---------------------------------------------------------------- reaping */

static void reap(void)
{
    for (;;) {
        int status;
        struct rusage ru;
        pid_t pid = wait4(-1, &status, WNOHANG, &ru);
        if (pid <= 0)
            return;
        struct task *t = find_pid(pid);
        if (t == NULL)
            continue; /* an orphan a task left behind, inherited as subreaper */
        used_slots -= t->cores;
        t->phase = DONE;
        if (t->stage != NULL && strcmp(t->stage, "claimed") == 0) {
            /* recovery claimed this attempt first: it never ran, and must not be reported as run */
            emit("D %s\n", t->key);
            continue;
        }
        if (t->stage != NULL && strcmp(t->stage, "state") == 0) {
            emit("E %s %d cannot write the task's state file: %s\n", t->key, t->spawn_errno, strerror(t->spawn_errno));
            if (is_transient(t->spawn_errno))
                give_back_queued(t->spawn_errno);
            continue;
        }
        publish_result(t, status, &ru);
        if (t->spawn_errno != 0 && is_transient(t->spawn_errno))
            give_back_queued(t->spawn_errno);
        if (t->spawn_errno == 0) {
            /* the command ended; what it left in its process group goes with it, and later scans look for what
               it left elsewhere in its session */
            if (group_alive(t->pid))
                end_group_later(t->pid, t->start_ticks, t->grace_ms);
            remember_ended(t);
        }
    }
}

/* ---------------------------------------------------------------- limits and timers */

/*
 * One scan of /proc: the resident memory of each running task's session, against its limit; and what
 * tasks that ended lately left in their sessions, which goes.
 */
static void sample(long long now)
{
    struct task *order[1024];
    long long sums[1024];
    int n = 0;
    for (struct task *t = tasks; t != NULL && n < 1024; t = t->next) {
        if (t->phase == RUNNING && t->spawn_errno == 0) {
            order[n] = t;
            sums[n++] = 0;
        }
    }
    int sweep = recently_ended_any(now);
    if (n == 0 && !sweep)
        return;
    DIR *d = opendir("/proc");
    if (d == NULL)
        return;
    pid_t left[256];
    int n_left = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        struct proc_stat ps;
        pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);
        if (read_proc_stat(pid, &ps) != 0 || ps.state == 'Z')
            continue;
        int mine = 0;
        for (int i = 0; i < n; i++) {
            if (ps.session == order[i]->pid || ps.pgrp == order[i]->pid) {
                sums[i] += ps.rss_pages * page_kb;
                mine = 1;
                break;
            }
        }
        if (mine || !sweep || ps.session == pid)
            continue;
        for (int i = 0; i < RECENT && n_left < 256; i++) {
            /* an emptied slot (id 0) matches nothing: kernel threads, and a container's init, have session 0 */
            if (recent[i].id != 0 && recent[i].id == ps.session && now - recent[i].ended < RECENT_MS) {
                left[n_left++] = ps.session;
                break;
            }
        }
    }
    closedir(d);
    for (int i = 0; i < n; i++) {
        struct task *t = order[i];
        if (sums[i] > t->peak_kb)
            t->peak_kb = sums[i];
        if (t->mem_kb > 0 && sums[i] > t->mem_kb && t->kill_at == 0)
            end_task(t, "memory", 0);
    }
    for (int i = 0; i < n_left; i++) {
        for (int r = 0; r < RECENT; r++) {
            if (recent[r].id == left[i]) {
                end_group_later(left[i], recent[r].leader_ticks, DEFAULT_GRACE_MS);
                recent[r].id = 0;
            }
        }
    }
}

/* Enforces deadlines and escalations; returns milliseconds until the next one is due (-1: none). */
static long long run_timers(long long *next_sample)
{
    long long now = mono();
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
        if (now >= *next_sample) {
            sample(now);
            *next_sample = now + sample_ms;
        }
        if (*next_sample < wake)
            wake = *next_sample;
    }
    return wake == LLONG_MAX ? -1 : wake - now;
}

/* ---------------------------------------------------------------- requests */

static long long field_num(const char *v)
{
    return v == NULL ? 0 : strtoll(v, NULL, 10);
}

static char *dup_or_null(const char *s)
{
    return s == NULL ? NULL : strdup(s);
}

static void handle_request(char *rec, char *end)
{
    const char *op = NULL, *key = NULL, *cmd = NULL, *out = NULL, *err = NULL;
    const char *env[MAX_ENV];
    int n_env = 0;
    long long cores = 1, runtime_ms = 0, mem_kb = 0, grace_ms = DEFAULT_GRACE_MS, pid = 0, start = 0, sample = 0, n_slots = 0;
    char *next;
    for (char *f = rec; f < end; f = next) {
        next = f + strlen(f) + 1;
        char *eq = strchr(f, '=');
        if (eq == NULL)
            continue;
        *eq = '\0';
        const char *v = eq + 1;
        if (strcmp(f, "op") == 0) op = v;
        else if (strcmp(f, "key") == 0) key = v;
        else if (strcmp(f, "cmd") == 0) cmd = v;
        else if (strcmp(f, "out") == 0) out = v;
        else if (strcmp(f, "err") == 0) err = v;
        else if (strcmp(f, "cores") == 0) cores = field_num(v);
        else if (strcmp(f, "runtime_ms") == 0) runtime_ms = field_num(v);
        else if (strcmp(f, "mem_kb") == 0) mem_kb = field_num(v);
        else if (strcmp(f, "grace_ms") == 0) grace_ms = field_num(v);
        else if (strcmp(f, "pid") == 0) pid = field_num(v);
        else if (strcmp(f, "start") == 0) start = field_num(v);
        else if (strcmp(f, "sample_ms") == 0) sample = field_num(v);
        else if (strcmp(f, "n") == 0) n_slots = field_num(v);
        else if (strcmp(f, "env") == 0 && n_env < MAX_ENV) env[n_env++] = v;
    }
    if (grace_ms <= 0)
        grace_ms = DEFAULT_GRACE_MS;
    if (op != NULL && strcmp(op, "sample") == 0) {
        if (sample > 0)
            sample_ms = sample;
        return;
    }
    if (op != NULL && strcmp(op, "slots") == 0) {
        slots = n_slots < 0 ? 0 : (int)n_slots;
        return;
    }
    if (op != NULL && strcmp(op, "killpid") == 0) {
        /* a task of another launcher (one whose host died): ours to end, if it is still the same process */
        if (pid > 1 && is_live((pid_t)pid, (unsigned long long)start))
            end_group_later((pid_t)pid, (unsigned long long)start, grace_ms);
        return;
    }
    if (!valid_key(key)) {
        emit("E %s %d bad request: invalid key\n", valid_key(key) ? key : "?", EINVAL);
        return;
    }
    if (op != NULL && strcmp(op, "kill") == 0) {
        struct task *t = find_key(key);
        if (t == NULL)
            return; /* already ended: its X event is on its way */
        if (t->phase == QUEUED) {
            t->phase = DONE;
            emit("D %s\n", t->key);
        } else if (t->spawn_errno == 0) {
            end_task(t, "terminated", SIGTERM);
        }
        return;
    }
    if (cmd == NULL) {
        emit("E %s %d bad request: no command\n", key, EINVAL);
        return;
    }
    struct task *t = calloc(1, sizeof *t);
    if (t == NULL) {
        emit("E %s %d out of memory\n", key, ENOMEM);
        give_back_queued(ENOMEM); /* the host holds them all, in order, until memory returns */
        return;
    }
    snprintf(t->key, sizeof t->key, "%s", key);
    t->cmd = strdup(cmd);
    t->out = dup_or_null(out);
    t->err = dup_or_null(err);
    for (int i = 0; i < n_env; i++)
        t->env[t->n_env++] = strdup(env[i]);
    t->cores = cores < 1 ? 1 : (int)cores;
    t->runtime_ms = runtime_ms;
    t->mem_kb = mem_kb;
    t->grace_ms = grace_ms;
    t->phase = QUEUED;
    struct task **link = &tasks;
    while (*link != NULL)
        link = &(*link)->next;
    *link = t;
}

/* ---------------------------------------------------------------- the launcher */

/*
 * When the launcher exits: everything tasks left behind is ours (we are their subreaper) and goes too,
 * with its own descendants, until nothing is left; each is reaped here, since pid 1 may never reap it.
 */
static void kill_descendants(void)
{
    pid_t self = getpid();
    long long deadline = mono() + 5000;
    for (;;) {
        /* one pass: every live process whose chain of parents leads to us */
        pid_t procs[8192], parents[8192];
        size_t n = 0;
        DIR *d = opendir("/proc");
        if (d == NULL)
            return;
        struct dirent *de;
        while ((de = readdir(d)) != NULL && n < 8192) {
            if (!isdigit((unsigned char)de->d_name[0]))
                continue;
            struct proc_stat ps;
            pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);
            if (read_proc_stat(pid, &ps) == 0 && ps.state != 'Z') {
                procs[n] = pid;
                parents[n++] = ps.ppid;
            }
        }
        closedir(d);
        size_t killed = 0;
        for (size_t i = 0; i < n; i++) {
            pid_t p = parents[i];
            for (int depth = 0; depth < 64 && p > 1 && p != self; depth++) {
                size_t j;
                for (j = 0; j < n && procs[j] != p; j++)
                    ;
                p = j < n ? parents[j] : 0;
            }
            if (p == self) {
                kill(procs[i], SIGKILL);
                killed++;
            }
        }
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        if (killed == 0 || mono() > deadline)
            break;
        usleep(10000);
    }
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
}

static int has_work(void)
{
    for (struct task *t = tasks; t != NULL; t = t->next)
        if (t->phase == RUNNING)
            return 1;
    return endings != NULL;
}

static int launcher(const char *state_dir, int slot_count)
{
    dirfd_state = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd_state < 0) {
        fprintf(stderr, "mpagent: cannot open state directory %s: %s\n", state_dir, strerror(errno));
        return 2;
    }
    slots = slot_count < 0 ? 0 : slot_count;
    dev_null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (dev_null < 0) {
        fprintf(stderr, "mpagent: cannot open /dev/null: %s\n", strerror(errno));
        return 2;
    }
    struct proc_stat self_stat;
    launcher_ticks = read_proc_stat(getpid(), &self_stat) == 0 ? self_stat.start_ticks : 0;
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    /* our own session: what the host's terminal or process group receives (Ctrl-C, Ctrl-Z, a service stop) is not for us */
    setsid();
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    note_ignored_signals();
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) {
        fprintf(stderr, "mpagent: signalfd: %s\n", strerror(errno));
        return 2;
    }
    pid_t host = getppid();
    char hello[64];
    snprintf(hello, sizeof hello, "H %s %ld %ld\n", AGENT_VERSION, sysconf(_SC_CLK_TCK), page_kb);
    write_all(1, hello, strlen(hello));
    fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK);

    size_t cap = 1 << 16, len = 0;
    char *in = malloc(cap);
    if (in == NULL)
        return 2;
    long long next_sample = mono() + sample_ms;
    for (;;) {
        reap(); /* first: a task that already ended must not be charged with a limit it reached while unreaped */
        long long timeout = run_timers(&next_sample);
        flush_events();
        if (!host_connected && !has_work())
            break;
        /* fd -1 once the host is gone: a closed pipe reports POLLHUP for ever, events or not */
        struct pollfd fds[3] = { { sfd, POLLIN, 0 }, { host_connected ? 0 : -1, POLLIN, 0 }, { 1, POLLOUT, 0 } };
        int nfds = outbuf.len > 0 && host_connected ? 3 : 2;
        int n = poll(fds, (nfds_t)nfds, timeout > INT_MAX ? INT_MAX : (int)timeout);
        if (n < 0 && errno != EINTR)
            break;
        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == sizeof si)
                ;
            reap();
        }
        if (host_connected && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            if (len == cap) {
                char *grown = realloc(in, cap * 2);
                if (grown == NULL)
                    return 2;
                in = grown;
                cap *= 2;
            }
            ssize_t r = read(0, in + len, cap - len);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0 || getppid() != host) {
                /* the host closed our input or died: nothing new starts; what runs is seen to its end */
                flush_events();
                host_connected = 0;
                for (struct task *t = tasks; t != NULL; t = t->next)
                    if (t->phase == QUEUED)
                        t->phase = DONE;
                continue;
            }
            len += (size_t)r;
            size_t consumed = 0;
            for (size_t i = 0; i + 1 < len; i++) {
                /* a record ends at "\0\0": the terminator of its last field, then an empty field */
                if (in[i] == '\0' && in[i + 1] == '\0') {
                    handle_request(in + consumed, in + i);
                    consumed = i + 2;
                    i++;
                }
            }
            memmove(in, in + consumed, len - consumed);
            len -= consumed;
        }
        start_queued();
        forget_done();
    }
    kill_descendants();
    return 0;
}

int main(int argc, char **argv)
{
    page_kb = sysconf(_SC_PAGESIZE) / 1024;
    if (argc == 4 && strcmp(argv[1], "launcher") == 0)
        return launcher(argv[2], atoi(argv[3]));
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("mpagent %s\n", AGENT_VERSION);
        return 0;
    }
    fprintf(stderr,
            "usage: mpagent launcher STATE_DIR SLOTS\n"
            "mpagent is started by multiproc: it starts and supervises the tasks of one journal.\n");
    return 2;
}
