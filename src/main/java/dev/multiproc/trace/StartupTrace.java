package dev.multiproc.trace;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a command's start-up and exit go, for {@code multiproc bench --startup}: with the environment
 * variable {@code MULTIPROC_STARTUP_TRACE} set, each {@link #mark} records how long its phase took, and
 * {@link #print} writes one {@code startup-trace: <phase> <ms>} line per phase to standard error. The first
 * phase is the JVM's own start, from the process's start to {@code main}. Without the variable a mark
 * costs one field read.
 */
public final class StartupTrace {
    public static final String ENV = "MULTIPROC_STARTUP_TRACE";
    public static final String PREFIX = "startup-trace: ";
    private static final boolean ON = System.getenv(ENV) != null;
    private static final List<String> phases = new ArrayList<>();
    private static long last;

    private StartupTrace() {
    }

    /** At {@code main}: the JVM's start, from the process's start time (10 ms resolution) to now. */
    public static void mainEntered() {
        if (!ON) {
            return;
        }
        long sinceStart = ProcessHandle.current().info().startInstant()
                .map(i -> System.currentTimeMillis() - i.toEpochMilli()).orElse(-1L);
        synchronized (phases) {
            last = System.nanoTime();
            phases.add("jvm start " + sinceStart);
        }
    }

    /** The phase that ends now, named by what it did. */
    public static void mark(String phase) {
        if (!ON) {
            return;
        }
        long now = System.nanoTime();
        synchronized (phases) {
            phases.add(phase + " " + (now - last) / 1_000_000);
            last = now;
        }
    }

    public static boolean enabled() {
        return ON;
    }

    /** Writes the phases recorded so far, once. */
    public static void print(PrintStream err) {
        if (!ON) {
            return;
        }
        synchronized (phases) {
            for (String p : phases) {
                err.println(PREFIX + p);
            }
            phases.clear();
        }
        err.flush();
    }
}
