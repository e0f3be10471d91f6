package dev.multiproc.agent;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The content of a task's state file, written by its supervisor: its identity from the moment it
 * claimed the task, and its result once the command ended. See {@code mpagent.c}.
 */
public record TaskRecord(long pid, long startTicks, long t0Ms, Result result) {

    /** How the command ended, as its supervisor saw it. */
    public record Result(long t1Ms, int exitCode, int signal, String cause, int errno, String stage, int termSignal, long utimeUs,
            long stimeUs, long maxRssKb, long peakKb, long limit) {

        public long cpuMs() {
            return (utimeUs + stimeUs) / 1000;
        }

        public boolean isSpawnError() {
            return "spawn_error".equals(cause);
        }
    }

    public boolean isFinished() {
        return result != null;
    }

    public ProcessIdentity identity() {
        return new ProcessIdentity(pid, startTicks);
    }

    /** Parses one state line; empty for a claim placed by recovery or for anything unreadable. */
    public static Optional<TaskRecord> parse(String line) {
        if (line == null || line.isBlank() || line.equals("-")) {
            return Optional.empty();
        }
        Map<String, String> f = new HashMap<>();
        for (String word : line.trim().split("\\s+")) {
            int eq = word.indexOf('=');
            if (eq > 0) {
                f.put(word.substring(0, eq), word.substring(eq + 1));
            }
        }
        if (!f.containsKey("pid") || !f.containsKey("start")) {
            return Optional.empty();
        }
        try {
            Result result = null;
            if (f.containsKey("exit")) {
                result = new Result(num(f, "t1"), (int) num(f, "exit"), (int) num(f, "sig"), f.getOrDefault("cause", "exit"),
                        (int) num(f, "errno"), f.getOrDefault("stage", "-"), (int) num(f, "term"), num(f, "utime_us"), num(f, "stime_us"),
                        num(f, "maxrss_kb"), num(f, "peak_kb"), num(f, "limit"));
            }
            return Optional.of(new TaskRecord(num(f, "pid"), num(f, "start"), num(f, "t0"), result));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static long num(Map<String, String> f, String key) {
        String v = f.get(key);
        return v == null ? 0 : Long.parseLong(v);
    }
}
