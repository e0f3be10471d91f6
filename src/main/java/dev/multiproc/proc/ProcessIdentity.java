package dev.multiproc.proc;

import dev.multiproc.launcher.Handshake;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * A process identified by its pid and its start time, so that a pid the kernel has since given to
 * another process is never mistaken for ours.
 *
 * <p>The start time is compared in clock ticks since boot, the raw figure of {@code /proc/PID/stat}.
 * {@link ProcessHandle.Info#startInstant()} is computed from the same ticks plus the boot time,
 * which each JVM reads once and which the kernel may report a second differently later; ticks do not
 * move. {@link #startInstant(long)} reproduces the JDK's computation for the journal's readers.
 */
public record ProcessIdentity(long pid, long startTicks) {
    /**
     * The unit of {@code /proc/PID/stat}'s times: sysconf(_SC_CLK_TCK), which Java cannot ask. Every
     * launcher reports it in its handshake ({@link Handshake}), which sets it here; until one has, the
     * value of every Linux architecture (USER_HZ is part of its ABI).
     */
    private static volatile long clockTicksPerSecond = 100;
    private static final long BOOT_TIME_MS = bootTimeMs();

    /** Whether this very process is alive: the pid exists, is no zombie, and started at our start tick. */
    public boolean isAlive() {
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return ProcStat.read(pid).map(s -> s.isLive() && s.startTicks() == startTicks).orElse(false);
        }
        return false;
    }

    /** The start instant as {@link ProcessHandle.Info#startInstant()} reports it, in epoch milliseconds. */
    public static long startInstant(long startTicks, long clockTicksPerSecond) {
        return BOOT_TIME_MS + startTicks * 1000 / clockTicksPerSecond;
    }

    public static long startInstant(long startTicks) {
        return startInstant(startTicks, clockTicksPerSecond);
    }

    /** The unit of process start times, as the last launcher's handshake reported it. */
    public static long clockTicksPerSecond() {
        return clockTicksPerSecond;
    }

    /** Set by each launcher's handshake. */
    public static void learnClockTicks(long ticksPerSecond) {
        clockTicksPerSecond = ticksPerSecond;
    }

    public Instant startInstant() {
        return Instant.ofEpochMilli(startInstant(startTicks));
    }

    private static long bootTimeMs() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                if (line.startsWith("btime ")) {
                    return Long.parseLong(line.substring(6).trim()) * 1000;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through: without /proc/stat nothing here works; the caller finds out soon enough
        }
        return 0;
    }
}
