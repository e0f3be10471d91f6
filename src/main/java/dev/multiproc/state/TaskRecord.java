package dev.multiproc.state;

import dev.multiproc.proc.ProcessIdentity;

import dev.multiproc.core.EndCause;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A task attempt as its state file or its launcher describes it: the task process's identity from the
 * moment it started, the identity of the launcher that supervises it, and the result once the command
 * ended. See {@code mpagent.h}.
 */
public record TaskRecord(long pid, long startTicks, long t0Ms, ProcessIdentity launcher, Result result) {

    /** How the command ended, as its launcher saw it. */
    public record Result(long t1Ms, int exitCode, int signal, EndCause cause, int errno, String stage, int termSignal, long utimeUs,
            long stimeUs, long maxRssKb, long peakKb, long limit) {

        public long cpuMs() {
            return (utimeUs + stimeUs) / 1000;
        }

        public boolean isSpawnError() {
            return cause == EndCause.SPAWN_ERROR;
        }
    }

    public boolean isFinished() {
        return result != null;
    }

    public ProcessIdentity identity() {
        return new ProcessIdentity(pid, startTicks);
    }

    /** Parses the words of one line (a launcher event, or the lines of a state file run together). */
    public static Optional<TaskRecord> parse(String line) {
        if (line == null || line.isBlank() || line.equals("-")) {
            return Optional.empty();
        }
        Map<String, String> f = new HashMap<>(32);
        words(line, f);
        return fromFields(f);
    }

    static void words(String line, Map<String, String> into) {
        int i = 0;
        int n = line.length();
        while (i < n) {
            while (i < n && Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            int eq = line.indexOf('=', start);
            if (eq > start && eq < i) {
                into.put(line.substring(start, eq), line.substring(eq + 1, i));
            }
        }
    }

    static Optional<TaskRecord> fromFields(Map<String, String> f) {
        if (!f.containsKey("pid") || !f.containsKey("start")) {
            return Optional.empty();
        }
        try {
            Result result = null;
            if (f.containsKey("exit")) {
                result = new Result(num(f, "t1"), (int) num(f, "exit"), (int) num(f, "sig"), EndCause.of(f.getOrDefault("cause", "exit")),
                        (int) num(f, "errno"), f.getOrDefault("stage", "-"), (int) num(f, "term"), num(f, "utime_us"), num(f, "stime_us"),
                        num(f, "maxrss_kb"), num(f, "peak_kb"), num(f, "limit"));
            }
            ProcessIdentity launcher = null;
            String l = f.get("launcher");
            if (l != null && l.indexOf(':') > 0) {
                launcher = new ProcessIdentity(Long.parseLong(l.substring(0, l.indexOf(':'))), Long.parseLong(l.substring(l.indexOf(':') + 1)));
            }
            return Optional.of(new TaskRecord(num(f, "pid"), num(f, "start"), num(f, "t0"), launcher, result));
        } catch (IllegalArgumentException e) { // a number or a cause that is not one
            return Optional.empty();
        }
    }

    private static long num(Map<String, String> f, String key) {
        String v = f.get(key);
        return v == null ? 0 : Long.parseLong(v);
    }
}
