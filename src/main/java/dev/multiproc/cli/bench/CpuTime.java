package dev.multiproc.cli.bench;

import dev.multiproc.proc.ProcStat;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time from {@code /proc}: a process's own (user plus system), and that of the children it has
 * reaped. In clock ticks of 1/100 s, the unit Linux reports there.
 */
record CpuTime(long selfTicks, long reapedChildrenTicks) {
    static final double MICROS_PER_TICK = 10_000;

    static CpuTime of(long pid) {
        try {
            return parse(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read the CPU time of process " + pid + ": " + e.getMessage(), e);
        }
    }

    /** Parses a {@code /proc/PID/stat} line. */
    static CpuTime parse(String statLine) {
        ProcStat s = ProcStat.parse(0, statLine.trim())
                .orElseThrow(() -> new IllegalArgumentException("not a /proc/PID/stat line: " + statLine));
        return new CpuTime(s.cpuTicks(), s.reapedChildrenTicks());
    }

    CpuTime minus(CpuTime before) {
        return new CpuTime(selfTicks - before.selfTicks, reapedChildrenTicks - before.reapedChildrenTicks);
    }

    /** CPU nanoseconds of this JVM's threads, by name with any trailing number dropped. */
    static Map<String, Long> threadsOfThisJvm() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, Long> byName = new TreeMap<>();
        for (ThreadInfo t : mx.dumpAllThreads(false, false)) {
            long ns = mx.getThreadCpuTime(t.getThreadId());
            if (ns > 0) {
                byName.merge(t.getThreadName().replaceAll("[-#]?\\d+$", ""), ns, Long::sum);
            }
        }
        return byName;
    }
}
