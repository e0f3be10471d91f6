package dev.multiproc.proc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The fields of {@code /proc/PID/stat} that identify a process, say whether it still runs, and what it
 * used: the one parser of that file. Times are in clock ticks ({@link ProcessIdentity#clockTicksPerSecond()}).
 *
 * @param cpuTicks            user plus system time of the process itself
 * @param reapedChildrenTicks user plus system time of the children it has waited for
 */
public record ProcStat(long pid, char state, long ppid, long session, long startTicks, long rssPages, long cpuTicks,
        long reapedChildrenTicks) {

    /** Reads {@code /proc/PID/stat}; empty when there is no such process. */
    public static Optional<ProcStat> read(long pid) {
        String text;
        try {
            text = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
        return parse(pid, text);
    }

    /** Parses the text of {@code /proc/PID/stat}; empty when it is not one. */
    public static Optional<ProcStat> parse(long pid, String text) {
        // the command name may hold spaces and parentheses: fields resume after the last ')'
        int close = text.lastIndexOf(')');
        if (close < 0 || close + 2 >= text.length()) {
            return Optional.empty();
        }
        String[] f = text.substring(close + 2).trim().split(" ");
        // f[0] is field 3 (state); field N is f[N - 3]
        if (f.length < 22) {
            return Optional.empty();
        }
        // utime, stime, cutime, cstime are fields 14 to 17; starttime 22; rss 24
        return Optional.of(new ProcStat(pid, f[0].charAt(0), Long.parseLong(f[1]), Long.parseLong(f[3]), Long.parseLong(f[19]),
                Long.parseLong(f[21]), Long.parseLong(f[11]) + Long.parseLong(f[12]), Long.parseLong(f[13]) + Long.parseLong(f[14])));
    }

    /** Running or sleeping: not a zombie, not dead. A zombie has ended; only its parent has not noticed. */
    public boolean isLive() {
        return state != 'Z' && state != 'X' && state != 'x';
    }
}
