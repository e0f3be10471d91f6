package dev.multiproc.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;

/**
 * What a reader killed while it worked leaves behind, named with its pid: its private copy in the temporary directory
 * ({@link JournalSnapshot}), its partial kept copy ({@link CaughtUpCopy}). A pid that runs may since name another process,
 * and one that seems gone may run in another pid namespace sharing the directory; so each asks too how long the file has
 * been untouched: a reader's work never leaves its files that long.
 */
final class LeftBehind {
    private static final long AN_HOUR_MS = 3_600_000;

    private LeftBehind() {
    }

    /** Whether the process {@code pid} (digits from a file's name) is gone; true for a number no pid can be. */
    static boolean processGone(String pid) {
        try {
            return !ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return true;
        }
    }

    /** Whether {@code f} itself (a link is not followed) was last changed over an hour ago. */
    static boolean untouchedForAnHour(Path f) throws IOException {
        return Files.getLastModifiedTime(f, LinkOption.NOFOLLOW_LINKS).toMillis() < System.currentTimeMillis() - AN_HOUR_MS;
    }

    /** This process's user: the owner the kernel gives its /proc directory. */
    static UserPrincipal thisUser() throws IOException {
        return Files.getOwner(Path.of("/proc/self"));
    }
}
