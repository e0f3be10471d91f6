package dev.multiproc.launcher;

import dev.multiproc.state.TaskRecord;

import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * Errors that mean the machine is short of something it may get back: disk space (ENOSPC, EDQUOT), file
 * descriptors (EMFILE, ENFILE), processes or memory (EAGAIN, ENOMEM, as fork reports them). A task that
 * cannot start for one of these did nothing wrong; it waits (see {@code StartBackoff}) instead of failing.
 * Everything else (E2BIG, ENOENT, EACCES, ...) is a fault of the task or of the setup, and stays one.
 */
public final class TransientErrors {
    private static final Set<Integer> ERRNOS = Set.of(11 /* EAGAIN */, 12 /* ENOMEM */, 23 /* ENFILE */, 24 /* EMFILE */,
            28 /* ENOSPC */, 122 /* EDQUOT */);
    /*
     * What strerror says for them, as the JDK's I/O exceptions and the launcher's log carry it (the
     * launcher never sets a locale; the JDK reports the C library's text in the host's locale, so a host
     * in another language sees such failures as faults).
     */
    private static final List<String> TEXTS = List.of("Resource temporarily unavailable", "Cannot allocate memory",
            "Too many open files", "No space left on device", "Disk quota exceeded");

    private TransientErrors() {
    }

    public static boolean isTransient(int errno) {
        return ERRNOS.contains(errno);
    }

    /** A task attempt that its launcher could not get as far as its command, for a transient reason. */
    public static boolean isTransient(TaskRecord.Result result) {
        return result != null && result.isSpawnError() && isTransient(result.errno());
    }

    /** An I/O error of the host (creating a file or a directory, starting a process) for a transient reason. */
    public static boolean isTransient(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (isTransientText(t.getMessage())) {
                return true;
            }
        }
        return false;
    }

    /** Whether a message names one of these errors (by its C-locale text). */
    public static boolean isTransientText(String message) {
        return message != null && TEXTS.stream().anyMatch(message::contains);
    }
}
