package dev.multiproc.core;

import dev.multiproc.launcher.TransientErrors;

import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds dispatch back while tasks cannot start for want of a machine resource (a full disk, no file
 * descriptors, no processes: see {@code TransientErrors}).
 *
 * <p>The first such failure pauses dispatch: nothing more is handed to the launcher for 50 ms, then one
 * task at a time (a probe) until one starts. Each failure at or after the retry time doubles the wait, up
 * to 3.2 s; failures before it (the rest of the burst that was already on its way) do not. A start ends
 * the pause. One warning per shortage: failures less than 30 s apart belong to the same one, which is
 * logged again (at info) only as it pauses and resumes. Guarded by the active set's lock, which its
 * timer takes to call the backend back when a try is due.
 */
final class StartBackoff implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StartBackoff.class);
    static final long FIRST_DELAY_MS = 50;
    static final long MAX_DELAY_MS = 3_200;
    private static final long SAME_SHORTAGE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final Lock lock;
    private final Runnable retry;
    /** Made when first needed: most hosts never pause. */
    private ScheduledExecutorService timer;
    private ScheduledFuture<?> wake;
    private boolean paused;
    private long retryAtNanos;
    private long delayMs;
    private long lastFailureNanos;
    private long pausedSinceNanos;
    private boolean inShortage;
    private int deferred;
    private String reason;
    /** The task handed out to try again while paused; nothing else goes until it has started or left. */
    private RunningTask probe;

    /** {@code retry} fills slots again; it runs with {@code lock} held, when a paused start may be tried again. */
    StartBackoff(Lock lock, Runnable retry) {
        this.lock = lock;
        this.retry = retry;
    }

    /** A task could not start for want of a resource and went back to the queue; {@code waiting} tasks wait to start. */
    void failed(String why, int waiting) {
        long now = System.nanoTime();
        boolean sameShortage = inShortage && now - lastFailureNanos < SAME_SHORTAGE_NANOS;
        lastFailureNanos = now;
        deferred = sameShortage ? deferred + 1 : 1;
        if (!sameShortage) {
            inShortage = true;
            reason = why;
            delayMs = FIRST_DELAY_MS;
            pause(now);
            log.warn("dispatch paused: {}. The {} tasks waiting to start stay queued, in order, and starts are tried again from "
                    + "every {} ms, backing off to every {}, until they succeed; this warning is not repeated while the shortage lasts",
                    why, waiting, FIRST_DELAY_MS, seconds(MAX_DELAY_MS));
        } else if (!paused) {
            reason = why;
            delayMs = Math.min(delayMs * 2, MAX_DELAY_MS);
            pause(now);
            log.info("dispatch paused again: {}; {} tasks waiting to start; next try in {}", why, waiting, seconds(delayMs));
        } else if (now >= retryAtNanos) {
            reason = why;
            delayMs = Math.min(delayMs * 2, MAX_DELAY_MS);
            retryAtNanos = now + TimeUnit.MILLISECONDS.toNanos(delayMs);
            log.debug("dispatch still paused: {}; next try in {}", why, seconds(delayMs));
        }
    }

    private void pause(long now) {
        paused = true;
        pausedSinceNanos = now;
        retryAtNanos = now + TimeUnit.MILLISECONDS.toNanos(delayMs);
    }

    /** A task started: dispatch goes on at full speed. */
    void started() {
        if (!paused) {
            return;
        }
        paused = false;
        probe = null;
        log.info("dispatch resumed: tasks start again after a pause of {} ({} starts put off while paused)",
                seconds((System.nanoTime() - pausedSinceNanos) / 1_000_000), deferred);
        deferred = 0;
    }

    /**
     * Whether a task may be handed to the launcher now: always, unless paused; while paused, one probe
     * after the retry time, once the last one has started or left ({@code waiting} says whether a task
     * handed out still waits to start).
     */
    boolean mayHandOut(Predicate<RunningTask> waiting) {
        if (!paused) {
            return true;
        }
        if (probe != null && waiting.test(probe)) {
            return false;
        }
        probe = null;
        return System.nanoTime() >= retryAtNanos;
    }

    /** A task was handed to the launcher; while paused, it is the probe. */
    void handedOut(RunningTask rt) {
        if (paused) {
            probe = rt;
        }
    }

    boolean isPaused() {
        return paused;
    }

    /**
     * While paused, calls the backend back when the next try is due. Once it is due, a probe's own
     * events (it started, failed or left) call it instead.
     */
    void wakeWhenDue() {
        long nanos = retryAtNanos - System.nanoTime();
        if (!paused || nanos <= 0 || (wake != null && !wake.isDone())) {
            return;
        }
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "multiproc-dispatch-retry");
                t.setDaemon(true);
                return t;
            });
        }
        wake = timer.schedule(() -> {
            lock.lock();
            try {
                wake = null; // a try that fails at once schedules the next
                retry.run();
            } finally {
                lock.unlock();
            }
        }, nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (timer != null) {
                timer.shutdownNow();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Why dispatch is paused, while it is. */
    Optional<String> pauseReason() {
        return paused ? Optional.of(reason) : Optional.empty();
    }

    private static String seconds(long ms) {
        return ms < 1000 ? ms + " ms" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
