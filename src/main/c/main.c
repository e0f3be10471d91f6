/* mpagent: start-up and the event loop of the launcher. The protocol and state files are described in mpagent.h. */
#include "mpagent.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

long page_kb;
int slots, used_slots;
int dirfd_state;
int dev_null;
int host_connected = 1;

/* The host closed our input or died: nothing new starts; what runs is seen to its end. */
static void host_left(void)
{
    flush_events();
    host_gone();
    for (struct task *t = tasks; t != NULL; t = t->next)
        if (t->phase == QUEUED)
            t->phase = DONE;
}

/*
 * Our own session, so that what the host's terminal or process group receives (Ctrl-C, Ctrl-Z, a
 * service stop) is not for us; and the subreaper of whatever our tasks orphan, so that nothing they
 * start escapes us. Returns -1 when the launcher cannot keep its promises.
 */
static int detach_from_host(void)
{
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        fprintf(stderr, "mpagent: cannot become the subreaper of its tasks' processes (prctl PR_SET_CHILD_SUBREAPER): %s\n",
                strerror(errno));
        return -1;
    }
    if (setsid() < 0 && getsid(0) != getpid())
        fprintf(stderr,
                "mpagent: warning: cannot start a session of its own (%s): it stays in process group %d and session %d, "
                "where what the host's terminal or process group is sent reaches it too\n",
                strerror(errno), (int)getpgrp(), (int)getsid(0));
    return 0;
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
    if (detach_from_host() != 0)
        return 2;
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
    socket_open(state_dir); /* before the hello: a host that has heard it can count on a later host finding this launcher */
    char hello[64];
    snprintf(hello, sizeof hello, "H %s %ld %ld\n", AGENT_VERSION, sysconf(_SC_CLK_TCK), page_kb);
    write_all(1, hello, strlen(hello));
    fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK);

    struct request_buffer from_host = { NULL, 0, 0 };
    for (;;) {
        reap(); /* first: a task that already ended must not be charged with a limit it reached while unreaped */
        long long timeout = run_timers();
        flush_events();
        client_flush();
        if (!host_connected && !has_work())
            break;
        /* fd -1 once the host is gone: a closed pipe reports POLLHUP for ever, events or not */
        struct pollfd fds[5] = {
            { sfd, POLLIN, 0 },
            { host_connected ? 0 : -1, POLLIN, 0 },
            { events_waiting() ? 1 : -1, POLLOUT, 0 },
        };
        socket_poll_fds(&fds[3], &fds[4]);
        int n = poll(fds, 5, timeout > INT_MAX ? INT_MAX : (int)timeout);
        if (n < 0 && errno != EINTR)
            break;
        if (n < 0)
            continue;
        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == sizeof si)
                ;
            reap();
        }
        if (host_connected && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            int r = read_requests(0, &from_host, SIZE_MAX, FROM_HOST);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0 || getppid() != host)
                host_left();
        }
        socket_poll_handle(&fds[3], &fds[4]);
        start_queued();
        forget_done();
    }
    socket_close();
    client_finish(mono() + 2000);
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
