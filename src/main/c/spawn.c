/* Starting tasks (vfork, exec) and their state files. See mpagent.h for the state file format. */
#include "mpagent.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

unsigned long long launcher_ticks;

/* signals the launcher ignores (its own and those it inherited), to give back to commands at their default */
static int ignored[NSIG];
static int n_ignored;

void note_ignored_signals(void)
{
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction sa;
        if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
            ignored[n_ignored++] = sig;
    }
}

/* Appends the result line to a task's state file; the identity line is already there. */
void publish_result(struct task *t, int status, struct rusage *ru)
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
int is_transient(int err)
{
    return err == ENOSPC || err == EDQUOT || err == EMFILE || err == ENFILE || err == EAGAIN || err == ENOMEM;
}

/*
 * After a start failed for want of a resource, the tasks still queued here go back to the host, in
 * order: what failed once would fail for them too, and the host holds them, in their places, until
 * starts succeed again.
 */
void give_back_queued(int err)
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
void start_queued(void)
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
