/* Requests from the host (stdin) and from an attached client (the socket); events to them. See mpagent.h. */
#include "mpagent.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- events */

static struct { char *data; size_t len, cap; } outbuf; /* to the host, not yet written */

static size_t format_line(char *line, size_t cap, const char *fmt, va_list ap)
{
    int n = vsnprintf(line, cap, fmt, ap);
    if (n < 0)
        return 0;
    return (size_t)n >= cap ? cap - 1 : (size_t)n;
}

static void to_host(const char *line, size_t n)
{
    if (!host_connected || n == 0)
        return;
    if (outbuf.len + n > outbuf.cap) {
        size_t cap = outbuf.cap ? outbuf.cap : 8192;
        while (cap < outbuf.len + n)
            cap *= 2;
        char *grown = realloc(outbuf.data, cap);
        if (grown == NULL)
            return;
        outbuf.data = grown;
        outbuf.cap = cap;
    }
    memcpy(outbuf.data + outbuf.len, line, n);
    outbuf.len += n;
}

/* An event about a task: to the host; once it is gone, to the attached client and into the next clients' snapshots. */
void emit(const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    size_t n = format_line(line, sizeof line, fmt, ap);
    va_end(ap);
    if (host_connected) {
        to_host(line, n);
        return;
    }
    remember_event(line, n);
    client_send(line, n);
}

/* The answer to a request: only to the one who sent it. */
void reply(enum origin to, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    size_t n = format_line(line, sizeof line, fmt, ap);
    va_end(ap);
    if (to == FROM_HOST)
        to_host(line, n);
    else
        client_send(line, n);
}

int events_waiting(void)
{
    return host_connected && outbuf.len > 0;
}

/* The host is gone: what it was not sent yet is kept for the clients that may attach. */
void host_gone(void)
{
    host_connected = 0;
    size_t start = 0;
    for (size_t i = 0; i < outbuf.len; i++) {
        if (outbuf.data[i] == '\n') {
            remember_event(outbuf.data + start, i + 1 - start);
            start = i + 1;
        }
    }
    outbuf.len = 0;
}

/*
 * Writes what the host can take now. Standard output is non-blocking: the launcher must keep reading
 * requests and reaping tasks even when the host is slow to read, or a host that writes a request while
 * its event reader waits for a lock the writer holds would deadlock with us.
 */
void flush_events(void)
{
    size_t done = 0;
    int gone = 0;
    while (host_connected && done < outbuf.len) {
        ssize_t n = write(1, outbuf.data + done, outbuf.len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            gone = errno != EAGAIN && errno != EWOULDBLOCK;
            break;
        }
        done += (size_t)n;
    }
    memmove(outbuf.data, outbuf.data + done, outbuf.len - done);
    outbuf.len -= done;
    if (gone)
        host_gone(); /* the host is gone; the tasks are not */
}

/* ---------------------------------------------------------------- requests */

struct request {
    const char *op, *key, *cmd, *out, *err;
    const char *env[MAX_ENV];
    int n_env;
    long long cores, runtime_ms, mem_kb, grace_ms, pid, start, sample_ms, n_slots;
};

static long long field_num(const char *v)
{
    return v == NULL ? 0 : strtoll(v, NULL, 10);
}

static char *dup_or_null(const char *s)
{
    return s == NULL ? NULL : strdup(s);
}

static void parse_request(char *rec, char *end, struct request *r)
{
    memset(r, 0, sizeof *r);
    r->cores = 1;
    r->grace_ms = DEFAULT_GRACE_MS;
    char *next;
    for (char *f = rec; f < end; f = next) {
        next = f + strlen(f) + 1;
        char *eq = strchr(f, '=');
        if (eq == NULL)
            continue;
        *eq = '\0';
        const char *v = eq + 1;
        if (strcmp(f, "op") == 0) r->op = v;
        else if (strcmp(f, "key") == 0) r->key = v;
        else if (strcmp(f, "cmd") == 0) r->cmd = v;
        else if (strcmp(f, "out") == 0) r->out = v;
        else if (strcmp(f, "err") == 0) r->err = v;
        else if (strcmp(f, "cores") == 0) r->cores = field_num(v);
        else if (strcmp(f, "runtime_ms") == 0) r->runtime_ms = field_num(v);
        else if (strcmp(f, "mem_kb") == 0) r->mem_kb = field_num(v);
        else if (strcmp(f, "grace_ms") == 0) r->grace_ms = field_num(v);
        else if (strcmp(f, "pid") == 0) r->pid = field_num(v);
        else if (strcmp(f, "start") == 0) r->start = field_num(v);
        else if (strcmp(f, "sample_ms") == 0) r->sample_ms = field_num(v);
        else if (strcmp(f, "n") == 0) r->n_slots = field_num(v);
        else if (strcmp(f, "env") == 0 && r->n_env < MAX_ENV) r->env[r->n_env++] = v;
    }
    if (r->grace_ms <= 0)
        r->grace_ms = DEFAULT_GRACE_MS;
}

/* s made fit for an event line: quoted, at most 60 characters, anything unprintable shown as '?' */
static const char *quoted(const char *s, char *buf, size_t cap)
{
    size_t n = 0;
    buf[n++] = '"';
    for (const char *p = s; *p && n + 5 < cap; p++)
        buf[n++] = isprint((unsigned char)*p) ? *p : '?';
    if (strlen(s) > cap - 6)
        n = (size_t)(stpcpy(buf + n, "...") - buf);
    buf[n++] = '"';
    buf[n] = '\0';
    return buf;
}

/* NULL when key is valid, else what is wrong with it (perhaps written into why) */
static const char *invalid_key(const char *key, char *why, size_t cap)
{
    char shown[64];
    if (key == NULL)
        return "no key";
    if (key[0] == '\0')
        return "an empty key";
    if (key[0] == '.') {
        snprintf(why, cap, "key %s starts with '.'", quoted(key, shown, sizeof shown));
        return why;
    }
    if (strlen(key) > KEY_MAX) {
        snprintf(why, cap, "key %s is longer than %d characters", quoted(key, shown, sizeof shown), KEY_MAX);
        return why;
    }
    for (const char *p = key; *p; p++) {
        if (isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '.')
            continue;
        char what[16];
        if (isprint((unsigned char)*p))
            snprintf(what, sizeof what, "'%c'", *p);
        else
            snprintf(what, sizeof what, "byte 0x%02x", (unsigned char)*p);
        snprintf(why, cap, "key %s holds %s (keys hold only letters, digits, '_', '-' and '.')", quoted(key, shown, sizeof shown), what);
        return why;
    }
    return NULL;
}

static void start_request(const struct request *r, enum origin from)
{
    if (from == FROM_CLIENT) {
        reply(from, "E %s %d refused: this launcher starts no tasks for a reattached client (its host has left)\n", r->key, EPERM);
        return;
    }
    if (r->cmd == NULL) {
        reply(from, "E %s %d bad request: no command\n", r->key, EINVAL);
        return;
    }
    struct task *t = calloc(1, sizeof *t);
    if (t == NULL) {
        reply(from, "E %s %d out of memory\n", r->key, ENOMEM);
        give_back_queued(ENOMEM); /* the host holds them all, in order, until memory returns */
        return;
    }
    snprintf(t->key, sizeof t->key, "%s", r->key);
    t->cmd = strdup(r->cmd);
    t->out = dup_or_null(r->out);
    t->err = dup_or_null(r->err);
    for (int i = 0; i < r->n_env; i++)
        t->env[t->n_env++] = strdup(r->env[i]);
    t->cores = r->cores < 1 ? 1 : (int)r->cores;
    t->runtime_ms = r->runtime_ms;
    t->mem_kb = r->mem_kb;
    t->grace_ms = r->grace_ms;
    t->phase = QUEUED;
    append_task(t);
}

static void kill_request(const struct request *r)
{
    struct task *t = find_key(r->key);
    if (t == NULL)
        return; /* already ended: its X event is on its way */
    if (t->phase == QUEUED) {
        t->phase = DONE;
        emit("D %s\n", t->key);
    } else if (t->spawn_errno == 0) {
        end_task(t, "terminated", SIGTERM);
    }
}

static void handle_request(char *rec, char *end, enum origin from)
{
    struct request r;
    parse_request(rec, end, &r);
    char shown[64];
    if (r.op != NULL && strcmp(r.op, "sample") == 0) {
        if (r.sample_ms > 0)
            set_sample_period(r.sample_ms);
        return;
    }
    if (r.op != NULL && strcmp(r.op, "slots") == 0) {
        if (from == FROM_CLIENT)
            reply(from, "E ? %d refused: op=slots: this launcher starts no tasks for a reattached client\n", EPERM);
        else
            slots = r.n_slots < 0 ? 0 : (int)r.n_slots;
        return;
    }
    if (r.op != NULL && strcmp(r.op, "killpid") == 0) {
        /* a task of another launcher (one whose host died): ours to end, if it is still the same process */
        if (r.pid > 1 && is_live((pid_t)r.pid, (unsigned long long)r.start))
            end_group_later((pid_t)r.pid, (unsigned long long)r.start, r.grace_ms);
        return;
    }
    char why[160];
    const char *wrong = invalid_key(r.key, why, sizeof why);
    if (r.op != NULL && strcmp(r.op, "kill") != 0) {
        reply(from, "E %s %d bad request: unknown op %s\n", wrong == NULL ? r.key : "?", EINVAL, quoted(r.op, shown, sizeof shown));
        return;
    }
    if (wrong != NULL) {
        reply(from, "E ? %d bad request (%s): %s\n", EINVAL, r.op != NULL ? "op=kill" : "start", wrong);
        return;
    }
    if (r.op != NULL)
        kill_request(&r);
    else
        start_request(&r, from);
}

/*
 * Reads what fd has and acts on every whole request. Returns what read(2) returned: 0 at end of input,
 * -1 on an error (errno set); -1 with errno E2BIG when a request grows beyond max bytes.
 */
int read_requests(int fd, struct request_buffer *in, size_t max, enum origin from)
{
    if (in->len == in->cap) {
        if (in->cap >= max) {
            errno = E2BIG;
            return -1;
        }
        size_t cap = in->cap ? in->cap * 2 : 1 << 16;
        char *grown = realloc(in->data, cap);
        if (grown == NULL)
            return -1;
        in->data = grown;
        in->cap = cap;
    }
    ssize_t r = read(fd, in->data + in->len, in->cap - in->len);
    if (r <= 0)
        return (int)r;
    size_t scanned = in->len > 0 ? in->len - 1 : 0; /* a record ending at the old boundary is found too */
    in->len += (size_t)r;
    size_t consumed = 0;
    for (size_t i = scanned > consumed ? scanned : consumed; i + 1 < in->len; i++) {
        /* a record ends at "\0\0": the terminator of its last field, then an empty field */
        if (in->data[i] == '\0' && in->data[i + 1] == '\0') {
            handle_request(in->data + consumed, in->data + i, from);
            consumed = i + 2;
            i++;
        }
    }
    memmove(in->data, in->data + consumed, in->len - consumed);
    in->len -= consumed;
    return (int)r;
}
