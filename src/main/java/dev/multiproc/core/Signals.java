package dev.multiproc.core;

import java.util.Map;

/** Names of Linux signals and errno values, for messages people read. */
final class Signals {
    private static final Map<Integer, String> SIGNALS = Map.ofEntries(
            Map.entry(1, "SIGHUP"), Map.entry(2, "SIGINT"), Map.entry(3, "SIGQUIT"), Map.entry(4, "SIGILL"),
            Map.entry(5, "SIGTRAP"), Map.entry(6, "SIGABRT"), Map.entry(7, "SIGBUS"), Map.entry(8, "SIGFPE"),
            Map.entry(9, "SIGKILL"), Map.entry(10, "SIGUSR1"), Map.entry(11, "SIGSEGV"), Map.entry(12, "SIGUSR2"),
            Map.entry(13, "SIGPIPE"), Map.entry(14, "SIGALRM"), Map.entry(15, "SIGTERM"), Map.entry(24, "SIGXCPU"),
            Map.entry(25, "SIGXFSZ"));
    private static final Map<Integer, String> ERRNOS = Map.ofEntries(
            Map.entry(1, "EPERM: Operation not permitted"), Map.entry(2, "ENOENT: No such file or directory"),
            Map.entry(7, "E2BIG: the command is longer than the operating system accepts"),
            Map.entry(8, "ENOEXEC: Exec format error"), Map.entry(11, "EAGAIN: Resource temporarily unavailable"),
            Map.entry(12, "ENOMEM: Cannot allocate memory"), Map.entry(13, "EACCES: Permission denied"),
            Map.entry(17, "EEXIST: File exists"), Map.entry(20, "ENOTDIR: Not a directory"),
            Map.entry(21, "EISDIR: Is a directory"), Map.entry(23, "ENFILE: Too many open files in system"),
            Map.entry(24, "EMFILE: Too many open files"), Map.entry(26, "ETXTBSY: Text file busy"),
            Map.entry(28, "ENOSPC: No space left on device"), Map.entry(30, "EROFS: Read-only file system"),
            Map.entry(36, "ENAMETOOLONG: File name too long"), Map.entry(122, "EDQUOT: Disk quota exceeded"));

    private Signals() {
    }

    static String name(int signal) {
        return SIGNALS.getOrDefault(signal, "signal " + signal);
    }

    static String errno(int errno) {
        return ERRNOS.getOrDefault(errno, "errno " + errno);
    }
}
