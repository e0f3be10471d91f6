/* Reading /proc, clocks, and writes that are safe in a vfork child (no locale, no locks, no allocation). */
#include "mpagent.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

long long now_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long mono(void)
{
    return now_ms(CLOCK_MONOTONIC);
}

int write_all(int fd, const char *buf, size_t len)
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

/* Writes the decimal digits of v at p; returns the end. Safe in a vfork child (no locale, no locks). */
char *put_num(char *p, long long v)
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

char *put_str(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

/* Fields of /proc/PID/stat. Returns 0 on success; no allocation, so a vfork child may call it. */
int read_proc_stat(pid_t pid, struct proc_stat *ps)
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

int is_live(pid_t pid, unsigned long long start_ticks)
{
    struct proc_stat ps;
    return read_proc_stat(pid, &ps) == 0 && ps.state != 'Z' && ps.state != 'X'
           && (start_ticks == 0 || ps.start_ticks == start_ticks);
}

/*
 * Calls visit for every live process (zombies are skipped) until it returns non-zero. Returns -1 when
 * /proc cannot be read, else 0.
 */
int scan_procs(proc_visitor visit, void *arg)
{
    DIR *d = opendir("/proc");
    if (d == NULL)
        return -1;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);
        struct proc_stat ps;
        if (read_proc_stat(pid, &ps) == 0 && ps.state != 'Z' && visit(pid, &ps, arg) != 0)
            break;
    }
    closedir(d);
    return 0;
}

int compare_pids(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}
