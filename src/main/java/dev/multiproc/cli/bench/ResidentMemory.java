package dev.multiproc.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The resident memory of one process, sampled from {@code /proc/PID/status} on a thread of its own every
 * {@link #PERIOD_MS} ms: the highest VmRSS seen, and the kernel's own high-water mark (VmHWM), which catches a
 * peak between two samples.
 */
public final class ResidentMemory implements AutoCloseable {
    static final long PERIOD_MS = 100;
    private final Path status;
    private final Thread sampler;
    private volatile long peakKib;
    private volatile long lastKib;

    private ResidentMemory(long pid) {
        this.status = Path.of("/proc", Long.toString(pid), "status");
        this.sampler = new Thread(this::sample, "rss-" + pid);
        sampler.setDaemon(true);
    }

    /** Starts sampling the process {@code pid} until {@link #close}, or until it is gone. */
    public static ResidentMemory watch(long pid) {
        ResidentMemory m = new ResidentMemory(pid);
        m.read();
        m.sampler.start();
        return m;
    }

    /** The highest resident set seen so far, in bytes. */
    public long peakBytes() {
        read();
        return peakKib << 10;
    }

    /** The resident set at the last sample, in bytes. */
    public long lastBytes() {
        read();
        return lastKib << 10;
    }

    private void sample() {
        while (read()) {
            try {
                Thread.sleep(PERIOD_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One sample; false once the process is gone. */
    private synchronized boolean read() {
        String text;
        try {
            text = Files.readString(status);
        } catch (IOException gone) {
            return false;
        }
        long rss = field(text, "VmRSS:");
        long hwm = field(text, "VmHWM:");
        if (rss < 0) {
            return false; // a zombie has no memory left to show
        }
        lastKib = rss;
        peakKib = Math.max(peakKib, Math.max(rss, hwm));
        return true;
    }

    private static long field(String status, String name) {
        int at = status.indexOf(name);
        if (at < 0) {
            return -1;
        }
        int end = status.indexOf('\n', at);
        String v = status.substring(at + name.length(), end < 0 ? status.length() : end).trim();
        return Long.parseLong(v.substring(0, v.indexOf(' ')));
    }

    @Override
    public void close() {
        sampler.interrupt();
    }
}
