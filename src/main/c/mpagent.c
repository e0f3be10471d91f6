/*
 * mpagent: the task supervisor of multiproc (Linux).
 *
 *   mpagent launcher STATE_DIR
 *
 * One launcher runs per host session. It reads spawn requests on stdin and forks one supervisor
 * per task. A supervisor is the task's own agent: it leaves the host's session, becomes the
 * subreaper of everything the task starts, claims the task's state file (exclusively) before the
 * command runs, runs `/bin/sh -c COMMAND`, enforces the runtime and memory limits, kills what the
 * command leaves behind, and replaces the state file atomically with the command's result. None
 * of that depends on the host being alive: a task that ends while the host is down still leaves
 * its true exit status behind.
 *
 * Requests (stdin): fields "name=value\0", a record ends with an empty field "\0".
 *   key=K  cmd=C  env=NAME=VALUE (repeatable)  out=PATH  err=PATH
 *   runtime_ms=N  mem_kb=N  grace_ms=N  sample_ms=N        (0 or absent: no limit / default)
 * Events (stdout), one line each:
 *   H <version> <clk_tck> <page_kb>               once, at start
 *   S <key> <pid> <start_ticks>                   a supervisor was forked
 *   X <key> <pid> <wait_status> <record|->        a supervisor ended; record = its state file
 *   E <key> <errno> <message>                     the request could not be started at all
 *
 * State file STATE_DIR/KEY, one line of "name=value" words:
 *   while running:  pid= start= t0=
 *   when ended:     pid= start= t0= t1= exit= sig= cause= errno= stage= term= utime_us= stime_us= maxrss_kb= peak_kb= limit=
 *   cause: exit | signal | terminated | runtime | memory | spawn_error
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
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

#define AGENT_VERSION "1"
#define MAX_ENV 64
#define DEFAULT_GRACE_MS 5000
#define DEFAULT_SAMPLE_MS 500
#define KILL_GIVE_UP_MS 10000

extern char **environ;

struct task {
    const char *key;
    const char *cmd;
    const char *out;
    const char *err;
    const char *env[MAX_ENV];
    int n_env;
    long long runtime_ms;
    long long mem_kb;
    long long grace_ms;
    long long sample_ms;
};

static long page_kb;

/* ---------------------------------------------------------------- small helpers */

static long long now_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
    if (key == NULL || key[0] == '\0' || key[0] == '.' || strlen(key) > 200)
        return 0;
    for (const char *p = key; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
            return 0;
    return 1;
}

/* Fields of /proc/PID/stat that the supervisor needs. Returns 0 on success. */
struct proc_stat {
    char state;
    pid_t ppid;
    unsigned long long start_ticks;
    long rss_pages;
};

static int read_proc_stat(pid_t pid, struct proc_stat *ps)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    /* comm may hold spaces and parentheses: the fields resume after the last ')' */
    char *p = strrchr(buf, ')');
    if (p == NULL || p[1] == '\0')
        return -1;
    p += 2;
    /* field 3 is state; count from there */
    char *save = NULL;
    int field = 3;
    memset(ps, 0, sizeof *ps);
    for (char *tok = strtok_r(p, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save), field++) {
        switch (field) {
        case 3: ps->state = tok[0]; break;
        case 4: ps->ppid = (pid_t)strtol(tok, NULL, 10); break;
        case 22: ps->start_ticks = strtoull(tok, NULL, 10); break;
        case 24: ps->rss_pages = strtol(tok, NULL, 10); return 0;
        default: break;
        }
    }
    return -1;
}

/* ---------------------------------------------------------------- the process tree */

struct tree {
    pid_t *pids;
    size_t len, cap;
    long long rss_kb;
};

static void tree_add(struct tree *t, pid_t pid)
{
    if (t->len == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        pid_t *grown = realloc(t->pids, t->cap * sizeof(pid_t));
        if (grown == NULL)
            return; /* keep what we have: the next scan tries again */
        t->pids = grown;
    }
    t->pids[t->len++] = pid;
}

/*
 * Every live descendant of `root`. The kernel here has no /proc/PID/task/TID/children, so the
 * tree comes from one scan of /proc, linking each process to its parent. As the subreaper of its
 * tree, the supervisor is the parent of every orphan, so a descendant cannot slip out of the tree
 * by double-forking or by starting its own session.
 */
static void scan_tree(pid_t root, struct tree *out)
{
    struct entry { pid_t pid, ppid; long rss; } *all = NULL;
    size_t n = 0, cap = 0;
    out->len = 0;
    out->rss_kb = 0;
    DIR *d = opendir("/proc");
    if (d == NULL)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        struct proc_stat ps;
        pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);
        if (read_proc_stat(pid, &ps) != 0 || ps.state == 'Z' || ps.state == 'X')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 512;
            struct entry *grown = realloc(all, cap * sizeof *all);
            if (grown == NULL)
                break;
            all = grown;
        }
        all[n].pid = pid;
        all[n].ppid = ps.ppid;
        all[n].rss = ps.rss_pages;
        n++;
    }
    closedir(d);
    /* breadth-first from root: the output list doubles as the queue */
    tree_add(out, root);
    for (size_t head = 0; head < out->len; head++) {
        for (size_t i = 0; i < n; i++) {
            if (all[i].ppid == out->pids[head]) {
                tree_add(out, all[i].pid);
                out->rss_kb += all[i].rss * page_kb;
            }
        }
    }
    /* drop the root itself: callers want the descendants */
    if (out->len > 0) {
        memmove(out->pids, out->pids + 1, (out->len - 1) * sizeof(pid_t));
        out->len--;
    }
    free(all);
}

static size_t signal_tree(struct tree *t, int sig)
{
    scan_tree(getpid(), t);
    for (size_t i = 0; i < t->len; i++)
        kill(t->pids[i], sig);
    return t->len;
}

/* ---------------------------------------------------------------- the supervisor */

struct outcome {
    int main_done;
    int main_status;
    const char *cause;      /* NULL until a cause other than the command's own exit is known */
    int term_sig;           /* the signal that asked us to terminate */
    int spawn_errno;
    const char *spawn_stage; /* what failed to start: stdout, stderr, exec */
    long long peak_kb;
    long long t0_ms, t1_ms;
    unsigned long long start_ticks;
};

/*
 * Writes the state file of a task attempt. The line goes to a temporary file first; then either
 * linkat (exclusive: the claim, which fails if the name exists) or renameat (the result, which
 * replaces the identity) publishes it whole. A reader never sees a partial line, and an empty state
 * file can only be a claim placed by recovery.
 */
static int write_state(int dirfd, const char *key, const char *line, int exclusive)
{
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s.%d.tmp", key, (int)getpid());
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (write_all(fd, line, strlen(line)) != 0) {
        int saved = errno;
        close(fd);
        unlinkat(dirfd, tmp, 0);
        errno = saved;
        return -1;
    }
    close(fd);
    int rc;
    if (exclusive) {
        rc = linkat(dirfd, tmp, dirfd, key, 0);
        int saved = errno;
        unlinkat(dirfd, tmp, 0);
        errno = saved;
    } else {
        rc = renameat(dirfd, tmp, dirfd, key);
    }
    return rc;
}

static int open_log(const char *path)
{
    if (path == NULL || path[0] == '\0')
        return open("/dev/null", O_WRONLY | O_CLOEXEC);
    return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
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
        envp[k++] = (char *)t->env[i];
    envp[k] = NULL;
    return envp;
}

static void reap_children(struct outcome *o, pid_t main_pid)
{
    for (;;) {
        int st;
        pid_t p = waitpid(-1, &st, WNOHANG);
        if (p <= 0)
            return;
        if (p == main_pid) {
            o->main_done = 1;
            o->main_status = st;
        }
    }
}

static void sample(struct outcome *o, struct tree *t)
{
    scan_tree(getpid(), t);
    if (t->rss_kb > o->peak_kb)
        o->peak_kb = t->rss_kb;
}

/*
 * Ends every process of the tree: SIGTERM, then SIGKILL after the grace period, until the
 * supervisor has no child left. Returns when the tree is empty or after KILL_GIVE_UP_MS more.
 */
static void end_tree(struct outcome *o, pid_t main_pid, long long grace_ms, const sigset_t *set,
                     struct tree *t)
{
    long long start = now_ms(CLOCK_MONOTONIC);
    int killing = 0;
    signal_tree(t, SIGTERM);
    for (;;) {
        reap_children(o, main_pid);
        errno = 0;
        if (waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD)
            return;
        long long elapsed = now_ms(CLOCK_MONOTONIC) - start;
        if (!killing && elapsed >= grace_ms)
            killing = 1;
        if (killing) {
            signal_tree(t, SIGKILL);
            if (elapsed >= grace_ms + KILL_GIVE_UP_MS)
                return;
        }
        struct timespec ts = { 0, killing ? 2000000 : 10000000 };
        siginfo_t si;
        sigtimedwait(set, &si, &ts); /* wakes early on SIGCHLD */
    }
}

static int supervise(const struct task *t, int dirfd)
{
    struct outcome o;
    memset(&o, 0, sizeof o);
    o.t0_ms = now_ms(CLOCK_REALTIME);
    long long started = now_ms(CLOCK_MONOTONIC);

    setsid();
    prctl(PR_SET_CHILD_SUBREAPER, 1);

    struct proc_stat self;
    if (read_proc_stat(getpid(), &self) == 0)
        o.start_ticks = self.start_ticks;

    char line[1024];
    snprintf(line, sizeof line, "pid=%d start=%llu t0=%lld\n", (int)getpid(), o.start_ticks, o.t0_ms);
    if (write_state(dirfd, t->key, line, 1) != 0)
        _exit(errno == EEXIST ? 0 : 126); /* claimed by recovery: this attempt must not run */

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);

    pid_t main_pid = -1;
    int out_fd = open_log(t->out);
    int err_fd = -1;
    if (out_fd < 0) {
        o.spawn_errno = errno;
        o.spawn_stage = "stdout";
    } else if (t->err != NULL && t->out != NULL && strcmp(t->err, t->out) == 0) {
        err_fd = dup(out_fd);
    } else {
        err_fd = open_log(t->err);
        if (err_fd < 0) {
            o.spawn_errno = errno;
            o.spawn_stage = "stderr";
        }
    }
    if (o.spawn_errno == 0) {
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
        posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
        posix_spawnattr_init(&attr);
        sigset_t none, defaults;
        sigemptyset(&none);
        sigfillset(&defaults);
        sigdelset(&defaults, SIGKILL);
        sigdelset(&defaults, SIGSTOP);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &defaults);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        char **envp = build_env(t);
        char *argv[] = { "sh", "-c", (char *)t->cmd, NULL };
        int rc = envp == NULL ? ENOMEM : posix_spawn(&main_pid, "/bin/sh", &fa, &attr, argv, envp);
        if (rc != 0) {
            o.spawn_errno = rc;
            o.spawn_stage = "exec";
            main_pid = -1;
        }
        free(envp);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
    }
    if (out_fd >= 0)
        close(out_fd);
    if (err_fd >= 0)
        close(err_fd);

    struct tree tree = { 0 };
    long long grace = t->grace_ms > 0 ? t->grace_ms : DEFAULT_GRACE_MS;
    if (main_pid > 0) {
        long long period = t->sample_ms > 0 ? t->sample_ms : DEFAULT_SAMPLE_MS;
        long long next_sample = started + (period < 20 ? period : 20);
        long long deadline = t->runtime_ms > 0 ? started + t->runtime_ms : LLONG_MAX;
        while (!o.main_done) {
            long long now = now_ms(CLOCK_MONOTONIC);
            if (now >= deadline) {
                o.cause = "runtime";
                break;
            }
            if (now >= next_sample) {
                sample(&o, &tree);
                next_sample = now + period;
                if (t->mem_kb > 0 && o.peak_kb > t->mem_kb) {
                    o.cause = "memory";
                    break;
                }
            }
            long long wake = next_sample < deadline ? next_sample : deadline;
            long long wait = wake - now;
            struct timespec ts = { (time_t)(wait / 1000), (long)(wait % 1000) * 1000000L };
            siginfo_t si;
            int sig = sigtimedwait(&set, &si, &ts);
            if (sig == SIGCHLD) {
                reap_children(&o, main_pid);
            } else if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) {
                o.cause = "terminated";
                o.term_sig = sig;
                break;
            } else if (sig < 0) {
                reap_children(&o, main_pid); /* a SIGCHLD can coalesce with the timeout */
            }
        }
        /* the command ended, or must: whatever is left of its tree goes with it */
        errno = 0;
        if (!o.main_done || !(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD))
            end_tree(&o, main_pid, grace, &set, &tree);
        reap_children(&o, main_pid);
    }
    free(tree.pids);

    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    if ((long long)ru.ru_maxrss > o.peak_kb)
        o.peak_kb = ru.ru_maxrss;
    o.t1_ms = now_ms(CLOCK_REALTIME);

    int exit_code, sig = 0;
    const char *cause = o.cause;
    if (main_pid <= 0) {
        exit_code = 127;
        cause = "spawn_error";
    } else if (!o.main_done) {
        exit_code = 128 + SIGKILL; /* the command outlived SIGKILL for KILL_GIVE_UP_MS */
        sig = SIGKILL;
    } else if (WIFSIGNALED(o.main_status)) {
        sig = WTERMSIG(o.main_status);
        exit_code = 128 + sig;
        if (cause == NULL)
            cause = "signal";
    } else {
        exit_code = WEXITSTATUS(o.main_status);
    }
    if (cause == NULL)
        cause = "exit";
    long long limit = strcmp(cause, "runtime") == 0 ? t->runtime_ms : strcmp(cause, "memory") == 0 ? t->mem_kb : 0;
    snprintf(line, sizeof line,
             "pid=%d start=%llu t0=%lld t1=%lld exit=%d sig=%d cause=%s errno=%d stage=%s term=%d utime_us=%lld stime_us=%lld maxrss_kb=%ld peak_kb=%lld limit=%lld\n",
             (int)getpid(), o.start_ticks, o.t0_ms, o.t1_ms, exit_code, sig, cause, o.spawn_errno,
             o.spawn_stage ? o.spawn_stage : "-", o.term_sig,
             (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
             (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec,
             ru.ru_maxrss, o.peak_kb, limit);
    write_state(dirfd, t->key, line, 0);
    return exit_code;
}

/* ---------------------------------------------------------------- the launcher */

struct child { pid_t pid; char key[208]; };

static struct child *children;
static size_t n_children, cap_children;

static struct { char *data; size_t len, cap; } outbuf;

static void emit(const char *fmt, ...)
{
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
 * requests even when the host is slow to read events, or a host that writes a request while its event
 * reader waits for a lock the writer holds would deadlock with us.
 */
static void flush_events(void)
{
    size_t done = 0;
    while (done < outbuf.len) {
        ssize_t n = write(1, outbuf.data + done, outbuf.len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            _exit(0); /* the host is gone */
        }
        done += (size_t)n;
    }
    memmove(outbuf.data, outbuf.data + done, outbuf.len - done);
    outbuf.len -= done;
}

static void flush_events_blocking(void)
{
    int flags = fcntl(1, F_GETFL);
    fcntl(1, F_SETFL, flags & ~O_NONBLOCK);
    if (outbuf.len > 0 && write_all(1, outbuf.data, outbuf.len) != 0)
        _exit(0);
    outbuf.len = 0;
}

static void sanitize(char *s)
{
    for (; *s; s++)
        if (*s == '\n' || *s == '\r')
            *s = ' ';
}

static void report_exit(int dirfd, pid_t pid, int status)
{
    size_t i;
    for (i = 0; i < n_children; i++)
        if (children[i].pid == pid)
            break;
    if (i == n_children)
        return; /* not a supervisor of ours */
    char record[1024] = "-";
    int fd = openat(dirfd, children[i].key, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, record, sizeof record - 1);
        close(fd);
        record[n > 0 ? n : 0] = '\0';
        sanitize(record);
        if (record[0] == '\0')
            strcpy(record, "-");
    }
    emit("X %s %d %d %s\n", children[i].key, (int)pid, status, record);
    children[i] = children[--n_children];
}

static long long field_num(const char *v)
{
    return v == NULL ? 0 : strtoll(v, NULL, 10);
}

/* Parses one request record into t. Returns 0 when the record is usable. */
static int parse_request(char *rec, char *end, struct task *t, const char **why)
{
    memset(t, 0, sizeof *t);
    char *next;
    for (char *f = rec; f < end; f = next) {
        next = f + strlen(f) + 1;
        char *eq = strchr(f, '=');
        if (eq == NULL)
            continue;
        *eq = '\0';
        const char *v = eq + 1;
        if (strcmp(f, "key") == 0) t->key = v;
        else if (strcmp(f, "cmd") == 0) t->cmd = v;
        else if (strcmp(f, "out") == 0) t->out = v;
        else if (strcmp(f, "err") == 0) t->err = v;
        else if (strcmp(f, "runtime_ms") == 0) t->runtime_ms = field_num(v);
        else if (strcmp(f, "mem_kb") == 0) t->mem_kb = field_num(v);
        else if (strcmp(f, "grace_ms") == 0) t->grace_ms = field_num(v);
        else if (strcmp(f, "sample_ms") == 0) t->sample_ms = field_num(v);
        else if (strcmp(f, "env") == 0 && t->n_env < MAX_ENV) t->env[t->n_env++] = v;
    }
    if (!valid_key(t->key)) {
        *why = "invalid key";
        return -1;
    }
    if (t->cmd == NULL) {
        *why = "no command";
        return -1;
    }
    return 0;
}

static void start_task(int dirfd, int sfd, struct task *t, pid_t host)
{
    if (getppid() != host)
        _exit(0); /* the host died with requests still in the pipe: none of them may start */
    if (n_children == cap_children) {
        size_t cap = cap_children ? cap_children * 2 : 64;
        struct child *grown = realloc(children, cap * sizeof *children);
        if (grown == NULL) {
            emit("E %s %d out of memory\n", t->key, ENOMEM);
            return;
        }
        children = grown;
        cap_children = cap;
    }
    pid_t pid = fork();
    if (pid < 0) {
        emit("E %s %d fork failed: %s\n", t->key, errno, strerror(errno));
        return;
    }
    if (pid == 0) {
        close(sfd);
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        if (devnull > 2)
            close(devnull);
        /* the launcher ignores these; a supervisor must receive them (an ignored signal is discarded) */
        signal(SIGINT, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        _exit(supervise(t, dirfd));
    }
    struct proc_stat ps;
    unsigned long long ticks = read_proc_stat(pid, &ps) == 0 ? ps.start_ticks : 0;
    children[n_children].pid = pid;
    snprintf(children[n_children].key, sizeof children[n_children].key, "%s", t->key);
    n_children++;
    emit("S %s %d %llu\n", t->key, (int)pid, ticks);
}

static int launcher(const char *state_dir)
{
    int dirfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        fprintf(stderr, "mpagent: cannot open state directory %s: %s\n", state_dir, strerror(errno));
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    /* a Ctrl-C at the host's terminal is the host's business, not the launcher's */
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
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
    emit("H %s %ld %ld\n", AGENT_VERSION, sysconf(_SC_CLK_TCK), page_kb);
    flush_events_blocking();
    fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK);

    size_t cap = 1 << 16, len = 0;
    char *in = malloc(cap);
    if (in == NULL)
        return 2;
    for (;;) {
        struct pollfd fds[3] = { { sfd, POLLIN, 0 }, { 0, POLLIN, 0 }, { 1, POLLOUT, 0 } };
        int n = poll(fds, outbuf.len > 0 ? 3 : 2, -1);
        if (n < 0 && errno != EINTR)
            break;
        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == sizeof si)
                ;
            for (;;) {
                int st;
                pid_t p = waitpid(-1, &st, WNOHANG);
                if (p <= 0)
                    break;
                report_exit(dirfd, p, st);
            }
        }
        if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            if (len == cap) {
                char *grown = realloc(in, cap * 2);
                if (grown == NULL)
                    return 2;
                in = grown;
                cap *= 2;
            }
            ssize_t r = read(0, in + len, cap - len);
            if (r <= 0) {
                if (r < 0 && errno == EINTR)
                    continue;
                /* the host closed our input or died: supervisors live on without us */
                flush_events_blocking();
                return 0;
            }
            len += (size_t)r;
            size_t consumed = 0;
            for (size_t i = 0; i + 1 < len; i++) {
                /* a record ends at "\0\0": the terminator of its last field, then an empty field */
                if (in[i] == '\0' && in[i + 1] == '\0') {
                    struct task t;
                    const char *why = NULL;
                    char *rec = in + consumed;
                    if (parse_request(rec, in + i, &t, &why) == 0)
                        start_task(dirfd, sfd, &t, host);
                    else
                        emit("E %s %d bad request: %s\n", valid_key(t.key) ? t.key : "?", EINVAL, why);
                    consumed = i + 2;
                    i++;
                }
            }
            memmove(in, in + consumed, len - consumed);
            len -= consumed;
        }
        flush_events();
    }
    return 0;
}

int main(int argc, char **argv)
{
    page_kb = sysconf(_SC_PAGESIZE) / 1024;
    if (argc == 3 && strcmp(argv[1], "launcher") == 0)
        return launcher(argv[2]);
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("mpagent %s\n", AGENT_VERSION);
        return 0;
    }
    fprintf(stderr,
            "usage: mpagent launcher STATE_DIR\n"
            "mpagent is started by multiproc: it supervises the tasks of one journal.\n");
    return 2;
}
