package dev.multiproc.journal;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an action on its own daemon thread every interval until closed. Closing never interrupts the
 * thread: an interrupt during file I/O makes H2 close the database file under every connection.
 */
public final class PeriodicTask implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PeriodicTask.class);

    /** An action that may fail; a failure is logged and the action runs again next time. */
    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    private final String name;
    private final Duration interval;
    private final Action action;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Thread thread;

    public PeriodicTask(String name, Duration interval, Action action) {
        this.name = name;
        this.interval = interval;
        this.action = action;
        this.thread = new Thread(this::loop, name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void loop() {
        try {
            while (!closed.await(interval.toMillis(), TimeUnit.MILLISECONDS)) {
                try {
                    action.run();
                } catch (Exception e) {
                    if (closed.getCount() > 0) {
                        log.warn("{} failed, will try again in {}: {}", name, interval, e.getMessage() == null ? e : e.getMessage());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the task, waiting for a run in progress to finish. */
    @Override
    public void close() {
        closed.countDown();
        if (thread != Thread.currentThread()) {
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
