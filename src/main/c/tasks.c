/* The tasks of this launcher: the list, reaping their ends, and ending one on request or at a limit. */
#include "mpagent.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

struct task *tasks;

struct task *find_key(const char *key)
{
    for (struct task *t = tasks; t != NULL; t = t->next)
        if (t->phase != DONE && strcmp(t->key, key) == 0)
            return t;
    return NULL;
}

struct task *find_pid(pid_t pid)
{
    for (struct task *t = tasks; t != NULL; t = t->next)
        if (t->phase == RUNNING && t->pid == pid)
            return t;
    return NULL;
}

void append_task(struct task *t)
{
    struct task **link = &tasks;
    while (*link != NULL)
        link = &(*link)->next;
    *link = t;
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
void forget_done(void)
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

int has_work(void)
{
    for (struct task *t = tasks; t != NULL; t = t->next)
        if (t->phase == RUNNING)
            return 1;
    return endings_pending();
}

void reap(void)
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

/* Starts ending a running task: SIGTERM now to its group and session, SIGKILL after the grace period. */
void end_task(struct task *t, const char *cause, int term_sig)
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
