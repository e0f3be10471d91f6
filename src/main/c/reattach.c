/*
 * The socket through which a later host reattaches to a launcher that outlived its own host (the
 * protocol is in mpagent.h). The launcher must never wait on a client: the socket is non-blocking, and
 * a client that falls behind is dropped rather than buffered without bound.
 */
#include "mpagent.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CLIENT_BACKLOG (1 << 20)   /* events a client may fall behind by, beyond its snapshot */
#define CLIENT_REQUEST_MAX (1 << 16)

static int listen_fd = -1;
static char sock_name[64], registry_name[64];
static int registry_written;

static struct {
    int fd;
    int broken;           /* fell behind, or could not be buffered for: dropped at the next flush */
    char *out;
    size_t len, cap, limit;
    struct request_buffer in;
} client = { -1, 0, NULL, 0, 0, 0, { NULL, 0, 0 } };

/* X events of tasks that ended while no host was connected (and those the host was never sent) */
static struct {
    char **lines;
    size_t n, cap;
} departed;

/* ---------------------------------------------------------------- socket and description */

static void write_registry(const char *socket_path)
{
    char tmp[80], line[PATH_MAX + 160];
    snprintf(tmp, sizeof tmp, "%s.tmp", registry_name);
    int n = snprintf(line, sizeof line, "pid=%d start=%llu version=%s socket=%s end\n", (int)getpid(), launcher_ticks,
                     AGENT_VERSION, socket_path);
    int fd = openat(dirfd_state, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write_all(fd, line, (size_t)n) != 0 || close(fd) != 0 || renameat(dirfd_state, tmp, dirfd_state, registry_name) != 0) {
        fprintf(stderr, "mpagent: cannot describe itself in %s (a later host cannot find it to reattach): %s\n", registry_name,
                strerror(errno));
        unlinkat(dirfd_state, tmp, 0);
        return;
    }
    registry_written = 1;
}

/* Listens on STATE_DIR/launcher.<pid>.sock and describes itself in STATE_DIR/launcher.<pid>; says on stderr why not. */
void socket_open(const char *state_dir)
{
    snprintf(sock_name, sizeof sock_name, "launcher.%d.sock", (int)getpid());
    snprintf(registry_name, sizeof registry_name, "launcher.%d", (int)getpid());
    char dir[PATH_MAX], path[PATH_MAX + 64];
    if (realpath(state_dir, dir) == NULL)
        snprintf(dir, sizeof dir, "%s", state_dir);
    snprintf(path, sizeof path, "%s/%s", dir, sock_name);
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr.sun_path) {
        fprintf(stderr, "mpagent: no socket for reattaching: its path %s is longer than %zu bytes\n", path, sizeof addr.sun_path - 1);
        write_registry("-");
        return;
    }
    memcpy(addr.sun_path, path, strlen(path) + 1);
    listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (listen_fd < 0) {
        fprintf(stderr, "mpagent: no socket for reattaching: %s\n", strerror(errno));
        write_registry("-");
        return;
    }
    unlinkat(dirfd_state, sock_name, 0); /* left by a launcher that died with our pid */
    mode_t mask = umask(0177);           /* the socket is created 0600; tasks get the mask back (they inherit it) */
    int bound = bind(listen_fd, (struct sockaddr *)&addr, sizeof addr);
    umask(mask);
    if (bound != 0 || listen(listen_fd, 4) != 0) {
        fprintf(stderr, "mpagent: no socket for reattaching at %s: %s\n", path, strerror(errno));
        close(listen_fd);
        listen_fd = -1;
        write_registry("-");
        return;
    }
    write_registry(path);
}

static void drop_client(const char *why)
{
    if (client.fd < 0)
        return;
    if (why != NULL)
        fprintf(stderr, "mpagent: dropped the client of its socket: %s\n", why);
    close(client.fd);
    client.fd = -1;
    client.broken = 0;
    client.len = 0;
    client.in.len = 0;
}

/* Removes the socket and the description: nobody attaches any more. */
void socket_close(void)
{
    if (listen_fd >= 0) {
        close(listen_fd);
        listen_fd = -1;
        unlinkat(dirfd_state, sock_name, 0);
    }
    if (registry_written)
        unlinkat(dirfd_state, registry_name, 0);
    registry_written = 0;
}

/* ---------------------------------------------------------------- the client */

static int append_out(const char *data, size_t n)
{
    if (client.len + n > client.cap) {
        size_t cap = client.cap ? client.cap : 8192;
        while (cap < client.len + n)
            cap *= 2;
        char *grown = realloc(client.out, cap);
        if (grown == NULL)
            return -1;
        client.out = grown;
        client.cap = cap;
    }
    memcpy(client.out + client.len, data, n);
    client.len += n;
    return 0;
}

void client_send(const char *line, size_t len)
{
    if (client.fd < 0 || client.broken)
        return;
    if (client.len + len > client.limit || append_out(line, len) != 0)
        client.broken = 1;
}

void client_flush(void)
{
    if (client.fd >= 0 && client.broken)
        drop_client("it fell behind (it may attach again)");
    size_t done = 0;
    while (client.fd >= 0 && done < client.len) {
        ssize_t n = send(client.fd, client.out + done, client.len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                drop_client(NULL); /* it went away */
            break;
        }
        done += (size_t)n;
    }
    if (client.fd < 0)
        return;
    memmove(client.out, client.out + done, client.len - done);
    client.len -= done;
    client.limit = client.limit > done ? client.limit - done : 0;
    if (client.limit < CLIENT_BACKLOG)
        client.limit = CLIENT_BACKLOG;
}

/* At exit: what the client was not sent yet gets until deadline (monotonic ms), then the connection closes. */
void client_finish(long long deadline_ms)
{
    client_flush();
    while (client.fd >= 0 && client.len > 0) {
        long long left = deadline_ms - mono();
        if (left <= 0)
            break;
        struct pollfd p = { client.fd, POLLOUT, 0 };
        if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
            break;
        client_flush();
    }
    drop_client(NULL);
}

void remember_event(const char *line, size_t len)
{
    if (len < 2 || line[0] != 'X' || line[1] != ' ')
        return;
    if (departed.n == departed.cap) {
        size_t cap = departed.cap ? departed.cap * 2 : 64;
        char **grown = realloc(departed.lines, cap * sizeof *grown);
        if (grown == NULL)
            return;
        departed.lines = grown;
        departed.cap = cap;
    }
    char *copy = strndup(line, len);
    if (copy != NULL)
        departed.lines[departed.n++] = copy;
}

static void refuse(int fd, int err, const char *why)
{
    char line[256];
    int n = snprintf(line, sizeof line, "R %d %s\n", err, why);
    if (send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
        /* it went away already */
    }
    close(fd);
}

/* H, then T per task it supervises, the X events of tasks ended since the host left, and Z. */
static void attach(int fd)
{
    client.fd = fd;
    client.broken = 0;
    client.len = 0;
    client.in.len = 0;
    char line[400];
    int failed = append_out(line, (size_t)snprintf(line, sizeof line, "H %s %ld %ld\n", AGENT_VERSION, sysconf(_SC_CLK_TCK), page_kb));
    size_t n_tasks = 0;
    for (struct task *t = tasks; t != NULL; t = t->next) {
        if (t->phase != RUNNING || t->spawn_errno != 0)
            continue;
        const char *state = t->kill_at == 0 ? "running" : t->cause != NULL ? t->cause : "terminated";
        int n = snprintf(line, sizeof line, "T %s %d %llu %s\n", t->key, (int)t->pid, t->start_ticks, state);
        failed |= append_out(line, (size_t)n);
        n_tasks++;
    }
    for (size_t i = 0; i < departed.n; i++)
        failed |= append_out(departed.lines[i], strlen(departed.lines[i]));
    failed |= append_out(line, (size_t)snprintf(line, sizeof line, "Z %zu %zu\n", n_tasks, departed.n));
    client.limit = client.len + CLIENT_BACKLOG;
    if (failed)
        client.broken = 1;
    fprintf(stderr, "mpagent: a client attached to its socket (%zu tasks running, %zu ended since its host left)\n", n_tasks,
            departed.n);
    client_flush();
}

static void accept_one(void)
{
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return;
    struct ucred peer = { 0, (uid_t)-1, (gid_t)-1 };
    socklen_t len = sizeof peer;
    char why[160];
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 || peer.uid != geteuid()) {
        snprintf(why, sizeof why, "refused: uid %u is not the launcher's owner", (unsigned)peer.uid);
        fprintf(stderr, "mpagent: refused a connection to its socket from pid %d: uid %u is not its own\n", (int)peer.pid,
                (unsigned)peer.uid);
        refuse(fd, EACCES, why);
    } else if (host_connected) {
        refuse(fd, EBUSY, "busy: the launcher's host is connected");
    } else if (client.fd >= 0) {
        refuse(fd, EBUSY, "busy: another client is attached");
    } else {
        attach(fd);
    }
}

void socket_poll_fds(struct pollfd *listen, struct pollfd *peer)
{
    listen->fd = listen_fd;
    listen->events = POLLIN;
    listen->revents = 0;
    peer->fd = client.fd;
    peer->events = (short)(POLLIN | (client.len > 0 ? POLLOUT : 0));
    peer->revents = 0;
}

void socket_poll_handle(const struct pollfd *listen, const struct pollfd *peer)
{
    if (client.fd >= 0 && peer->fd == client.fd) {
        if (peer->revents & POLLOUT)
            client_flush();
        if (client.fd >= 0 && (peer->revents & (POLLIN | POLLHUP | POLLERR))) {
            int r = read_requests(client.fd, &client.in, CLIENT_REQUEST_MAX, FROM_CLIENT);
            if (r == 0)
                drop_client("it disconnected");
            else if (r < 0 && errno == E2BIG)
                drop_client("it sent a request of more than 64 KiB");
            else if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                drop_client(strerror(errno));
        }
    }
    if (listen_fd >= 0 && (listen->revents & POLLIN))
        accept_one();
}
