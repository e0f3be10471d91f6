/*
 * mpagent: the launcher of multiproc (Linux).
 *
 *   mpagent launcher STATE_DIR SLOTS
 *
 * One launcher runs per host session and supervises every task it starts. It outlives its host: when
 * the host dies (its input closes), it starts nothing new but keeps supervising what runs, records how
 * each task ends, and exits when the last one has. A later host can reattach to it through its socket.
 *
 * A task starts as a vfork child of the launcher. Before it executes `/bin/sh -c COMMAND`, the child
 * starts its own process session (so a Ctrl-C or hang-up at the host's terminal cannot reach it) and records
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
 *   set the sampling period:            op=sample sample_ms=N   (the next sample is one period from now)
 *   set the slots it may fill:          op=slots n=N   (the host's other slots hold tasks this one did not start)
 * Tasks start in request order as soon as their cores fit into SLOTS. A key is 1 to 200 letters, digits,
 * '_', '-' or '.', not starting with '.'. A request with an invalid key or an unknown op is answered
 * with an E event (errno EINVAL) that says what is wrong.
 *
 * Events (stdout), one line each:
 *   H <version> <clk_tck> <page_kb>               once, at start
 *   S <key> <pid> <start_ticks>                   a task started
 *   X <key> <pid> <wait_status> <record>          a task ended; record = its identity and result words
 *   D <key>                                       a queued task was dropped before it started
 *   E <key> <errno> <message>                     a request could not be acted on; key "?" when the request
 *                                                 named no valid key (the message says what was wrong)
 * A start that fails for want of a resource the machine may get back (errno ENOSPC, EDQUOT, EMFILE,
 * ENFILE, EAGAIN or ENOMEM; the E or X event carries it) hands every task still queued back to the host
 * with an E event of the same errno, so that the host can hold them, in order, until starts succeed again.
 *
 * Reattaching (the socket). The launcher listens on STATE_DIR/launcher.<pid>.sock (mode 0600, in the
 * 0700 state directory) and describes itself in STATE_DIR/launcher.<pid>, one line written aside and
 * renamed into place:  pid=PID start=TICKS version=V socket=PATH end  (socket=- when it has none). Both
 * go when it exits; after a SIGKILL they stay, and PID plus TICKS tell that it is dead (a pid can be
 * reused, its start time then differs). The names hold no '-', so recovery never takes them for the
 * state files of tasks (TASKID-ATTEMPT).
 *   - While its host is connected (stdin open), and while another client is attached, a connection gets
 *     one line and is closed:  R <errno> <message>   (EBUSY). So does a peer of another uid than the
 *     launcher's (SO_PEERCRED; EACCES).
 *   - Otherwise the client is attached. It receives
 *       H <version> <clk_tck> <page_kb>
 *       T <key> <pid> <start_ticks> <state>       per task still running; state: running, or why it is
 *                                                 being ended (terminated, runtime, memory)
 *       X ...                                     per task that ended since the host left (or whose end the
 *                                                 host had not been sent), exactly as sent live
 *       Z <tasks> <ended>                         the end of the snapshot: how many T and X lines it held
 *     then the live events, as on stdout (X, E, D; no task starts any more).
 *   - It sends requests as on stdin: op=kill, op=killpid and op=sample act as there. The launcher starts
 *     no task for a reattached client (its host starts a launcher of its own for new work): a start
 *     request, or op=slots, is answered with  E <key> 1 <message>  (EPERM; key "?" for op=slots).
 *   - A client that falls behind by more than 1 MiB of events beyond its snapshot, or sends a request
 *     over 64 KiB, is dropped; it may attach again and read a fresh snapshot. When it disconnects, the
 *     launcher waits for the next one. After the last task, the launcher sends its final events,
 *     closes the connection (the client reads EOF), removes its socket and description, and exits.
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
 *
 * The sources: main.c (start-up and the event loop), protocol.c (requests and events), tasks.c (the
 * task list, reaping, ending a task), spawn.c (starting tasks, state files), limits.c (sampling and
 * timers), sweep.c (ending process groups, what tasks leave behind), reattach.c (the socket), proc.c
 * (reading /proc and small helpers).
 */
#ifndef MPAGENT_H
#define MPAGENT_H

#define _GNU_SOURCE
#include <poll.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>

#define AGENT_VERSION "3"
#define MAX_ENV 64
#define KEY_MAX 200
#define DEFAULT_GRACE_MS 5000
#define DEFAULT_SAMPLE_MS 500
#define KILL_RETRY_MS 100
#define KILL_GIVE_UP_MS 10000
#define RECENT_MS 30000
#define EXIT_CLAIMED 125
#define EXIT_NO_STATE 126
#define EXIT_NO_START 127

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

/* Fields of /proc/PID/stat. */
struct proc_stat {
    char state;
    pid_t ppid;
    pid_t pgrp;
    pid_t session;
    unsigned long long start_ticks;
    long rss_pages;
};

/* Who sent a request: the host on stdin, or a client attached to the socket. Answers go back to it. */
enum origin { FROM_HOST, FROM_CLIENT };

/* Bytes read from a peer that do not yet make a whole request. */
struct request_buffer {
    char *data;
    size_t len, cap;
};

extern long page_kb;
extern int slots, used_slots;
extern int dirfd_state;
extern int dev_null;           /* opened once, read-write, close-on-exec: every task's stdin, and its output when it keeps none */
extern int host_connected;
extern struct task *tasks;     /* every task not yet reported, in request order */
extern unsigned long long launcher_ticks; /* our own start time, for the identity lines of our tasks */

/* proc.c */
long long now_ms(clockid_t clock);
long long mono(void);
int write_all(int fd, const char *buf, size_t len);
char *put_num(char *p, long long v);
char *put_str(char *p, const char *s);
int read_proc_stat(pid_t pid, struct proc_stat *ps);
int is_live(pid_t pid, unsigned long long start_ticks);
typedef int (*proc_visitor)(pid_t pid, const struct proc_stat *ps, void *arg);
int scan_procs(proc_visitor visit, void *arg);
int compare_pids(const void *a, const void *b);

/* protocol.c */
void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void reply(enum origin to, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void flush_events(void);
int events_waiting(void);
void host_gone(void);
int read_requests(int fd, struct request_buffer *in, size_t max, enum origin from);

/* tasks.c */
struct task *find_key(const char *key);
struct task *find_pid(pid_t pid);
void append_task(struct task *t);
void forget_done(void);
void reap(void);
void end_task(struct task *t, const char *cause, int term_sig);
int has_work(void);

/* spawn.c */
void note_ignored_signals(void);
void start_queued(void);
int is_transient(int err);
void give_back_queued(int err);
void publish_result(struct task *t, int status, struct rusage *ru);

/* limits.c */
void set_sample_period(long long ms);
long long run_timers(void);

/* sweep.c */
size_t signal_group(pid_t id, int sig, int scan);
int group_alive(pid_t id);
void end_group_later(pid_t id, unsigned long long leader_ticks, long long grace_ms);
long long run_endings(long long now);
int endings_pending(void);
void remember_ended(const struct task *t);
int recently_ended_any(long long now);
size_t recent_sessions(long long now, pid_t **sorted);
void sweep_left_in(pid_t session);
void kill_descendants(void);

/* reattach.c */
void socket_open(const char *state_dir);
void socket_close(void);
void socket_poll_fds(struct pollfd *listen, struct pollfd *client);
void socket_poll_handle(const struct pollfd *listen, const struct pollfd *client);
void client_send(const char *line, size_t len);
void client_flush(void);
void client_finish(long long deadline_ms);
void remember_event(const char *line, size_t len);

#endif
