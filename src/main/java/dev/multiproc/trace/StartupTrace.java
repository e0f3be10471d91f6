package dev.multiproc.trace;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a command's start-up and exit go, for {@code multiproc bench --startup}: with the environment
 * variable {@code MULTIPROC_STARTUP_TRACE} set, each {@link #mark} records how long its phase took, and
 * {@link #print} writes one {@code startup-trace: <phase> <ms>} line per phase to standard error. When the
 * variable holds the time the process was started at, the first phase is the JVM's own start, until
 * {@code main}. Without the variable a mark costs one field read.
 */
public final class StartupTrace {
    public static final String ENV = "MULTIPROC_STARTUP_TRACE";
    public static final String PREFIX = "startup-trace: ";
    private static final boolean ON = System.getenv(ENV) != null;
    private static final List<String> phases = new ArrayList<>();
    private static long last;

    private StartupTrace() {
    }

    /**
     * At {@code main}: the JVM's start, when the variable holds the time the process was started at (epoch
     * milliseconds, as the bench sets it): from then to now.
     */
    public static void mainEntered() {
        if (!ON) {
            return;
        }
        long now = System.currentTimeMillis();
        synchronized (phases) {
            last = System.nanoTime();
            try {
                long startedAt = Long.parseLong(System.getenv(ENV).strip());
                if (startedAt <= now && now - startedAt < 3_600_000) { // else not a time (MULTIPROC_STARTUP_TRACE=1)
                    phases.add("jvm start " + (now - startedAt));
                }
            } catch (NumberFormatException e) {
                // no start time given: the phases start at main
            }
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
