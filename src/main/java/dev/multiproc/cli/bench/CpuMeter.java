package dev.multiproc.cli.bench;

import java.util.Map;

/** Adds up the CPU time multiproc's processes and busiest threads spend during the measured rounds. */
final class CpuMeter {
    private static final String JOURNAL_WRITER = "multiproc-journal-writer";
    private static final String LAUNCHER_EVENTS = "multiproc-launcher-events";
    private static final String LAUNCHER_REQUESTS = "multiproc-launcher-requests";

    private final long self = ProcessHandle.current().pid();
    private CpuTime hostBefore;
    private CpuTime launcherBefore;
    private Map<String, Long> threadsBefore;
    private long wallBefore;

    private long hostTicks;
    private long launcherTicks;
    private long taskTicks;
    private final long[] threadNanos = new long[3];
    private long wallNanos;

    void begin(long launcher) {
        threadsBefore = CpuTime.threadsOfThisJvm();
        hostBefore = CpuTime.of(self);
        launcherBefore = CpuTime.of(launcher);
        wallBefore = System.nanoTime();
    }

    void end(long launcher) {
        wallNanos += System.nanoTime() - wallBefore;
        CpuTime l = CpuTime.of(launcher).minus(launcherBefore);
        hostTicks += CpuTime.of(self).minus(hostBefore).selfTicks();
        launcherTicks += l.selfTicks();
        taskTicks += l.reapedChildrenTicks();
        Map<String, Long> threads = CpuTime.threadsOfThisJvm();
        String[] names = {JOURNAL_WRITER, LAUNCHER_EVENTS, LAUNCHER_REQUESTS};
        for (int i = 0; i < names.length; i++) {
            threadNanos[i] += threads.getOrDefault(names[i], 0L) - threadsBefore.getOrDefault(names[i], 0L);
        }
    }

    Bench.CpuSplit split(long tasks, double xargsUs, double xargsCoresBusy) {
        double us = CpuTime.MICROS_PER_TICK / tasks;
        double busy = (hostTicks + launcherTicks + taskTicks) * CpuTime.MICROS_PER_TICK * 1000 / wallNanos;
        return new Bench.CpuSplit(xargsUs, hostTicks * us, threadNanos[0] / 1000.0 / tasks, threadNanos[1] / 1000.0 / tasks,
                threadNanos[2] / 1000.0 / tasks, launcherTicks * us, taskTicks * us, xargsCoresBusy, busy);
    }
}
