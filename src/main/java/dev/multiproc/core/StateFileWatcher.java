package dev.multiproc.core;

import dev.multiproc.proc.ProcessIdentity;
import dev.multiproc.proc.ProcessTrees;
import dev.multiproc.state.StateFiles;
import dev.multiproc.launcher.TransientErrors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the tasks no live launcher reports on (their launcher died, or refused this host) through their
 * state files and their processes' identities, and kills what does not end after it was terminated.
 * Tasks of a live launcher, this host's own or a reattached one, end through that launcher's events.
 */
final class StateFileWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StateFileWatcher.class);
    /** A launcher's SIGKILL phase gives up after 10 s; the host steps in after that. */
    static final Duration BACKSTOP_MARGIN = Duration.ofSeconds(12);
    private static final Duration UNCONFIRMED_PATIENCE = Duration.ofSeconds(2);
    /** How long a live launcher may take to record the end of a task whose process is gone. */
    private static final Duration ENDING_PATIENCE = Duration.ofSeconds(30);

    private final LocalBackend backend;
    private final ActiveTasks active;
    private final StateFiles stateFiles;
    private final DispatchSettings settings;
    private final Thread thread;
    private volatile boolean closed;

    StateFileWatcher(LocalBackend backend, ActiveTasks active, DispatchSettings settings) {
        this.backend = backend;
        this.active = active;
        this.stateFiles = settings.stateFiles();
        this.settings = settings;
        this.thread = new Thread(this::run, "multiproc-watcher");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        long interval = settings.watchInterval().toMillis();
        while (!closed) {
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
            }
            List<RunningTask> snapshot = new ArrayList<>();
            active.lock.lock();
            try {
                for (RunningTask rt : active.handed()) {
                    if (rt.watched || rt.terminateReason != null) {
                        snapshot.add(rt);
                    }
                }
            } finally {
                active.lock.unlock();
            }
            for (RunningTask rt : snapshot) {
                try {
                    check(rt);
                } catch (RuntimeException e) {
                    log.error("watching task {} failed", rt.taskId, e);
                }
            }
        }
    }

    private void check(RunningTask rt) {
        active.lock.lock();
        try {
            if (!active.holds(rt)) {
                return;
            }
            if (rt.terminateReason != null && !rt.forceKilled && rt.hasStarted()
                    && System.nanoTime() - rt.terminateSentNanos > settings.killGrace().plus(BACKSTOP_MARGIN).toNanos()) {
                log.warn("task {} did not end {} after SIGTERM; killing its processes", rt.taskId,
                        settings.killGrace().plus(BACKSTOP_MARGIN));
                ProcessTrees.killTask(rt.identity());
                rt.forceKilled = true;
            }
            if (!rt.watched) {
                return;
            }
        } finally {
            active.lock.unlock();
        }
        long now = System.nanoTime();
        Attempt attempt = Attempt.inspect(stateFiles, rt.taskId, rt.task.attempt());
        switch (attempt.fate()) {
            case FINISHED -> {
                if (TransientErrors.isTransient(attempt.record().result())) {
                    retryUnconfirmed(rt, rt.task.attempt() + 1); // it never got to its command
                } else {
                    endIfStill(rt, () -> Outcomes.fromResult(attempt.record(), rt.terminateReason), attempt);
                }
            }
            case RUNNING -> {
                active.lock.lock();
                try {
                    if (active.holds(rt) && !rt.hasStarted()) {
                        backend.markStarted(rt, attempt.record().pid(), attempt.record().startTicks(), backend.clockTicksPerSecond());
                    }
                    rt.waitingSince = 0;
                } finally {
                    active.lock.unlock();
                }
            }
            case ENDING -> {
                // its launcher lives and will record the result; unless it never does
                if (waitedTooLong(rt, now, ENDING_PATIENCE)) {
                    endIfStill(rt, () -> backend.endWithoutResult(rt), attempt);
                }
            }
            case LOST -> endIfStill(rt, () -> backend.endWithoutResult(rt), attempt);
            case CLAIMED -> retryUnconfirmed(rt, rt.task.attempt() + 1);
            case STARTING -> {
                // identities are published whole, so this is a file written by hand or by something else:
                // whatever it is, an attempt that may have started is never started again
                if (startsWaiting(rt, now)) {
                    log.warn("task {}: its state file {} holds no complete line; waiting", rt.taskId,
                            StateFiles.key(rt.taskId, rt.task.attempt()));
                }
            }
            case ABSENT -> checkAbsent(rt, now);
        }
    }

    private void checkAbsent(RunningTask rt, long now) {
        ProcessIdentity started;
        long unconfirmedSince;
        active.lock.lock();
        try {
            started = rt.hasStarted() ? rt.identity() : null;
            unconfirmedSince = rt.unconfirmedSince;
        } finally {
            active.lock.unlock();
        }
        if (started != null) {
            if (!started.isAlive()) {
                endIfStill(rt, () -> backend.endWithoutResult(rt), null); // its file was removed under us
            }
        } else if (unconfirmedSince != 0 && now - unconfirmedSince > UNCONFIRMED_PATIENCE.toNanos()) {
            retryUnconfirmed(rt, rt.task.attempt());
        }
    }

    /** Starts the task's wait on its first call; true once it has waited longer than {@code patience}. */
    private boolean waitedTooLong(RunningTask rt, long now, Duration patience) {
        active.lock.lock();
        try {
            return !startsWaiting(rt, now) && now - rt.waitingSince > patience.toNanos();
        } finally {
            active.lock.unlock();
        }
    }

    /** True when the task's wait starts now; it goes on until the task is seen running. */
    private boolean startsWaiting(RunningTask rt, long now) {
        active.lock.lock();
        try {
            if (rt.waitingSince != 0) {
                return false;
            }
            rt.waitingSince = now;
            return true;
        } finally {
            active.lock.unlock();
        }
    }

    private void endIfStill(RunningTask rt, Supplier<Outcome> outcome, Attempt attempt) {
        active.lock.lock();
        try {
            if (active.holds(rt)) {
                backend.end(rt, outcome.get(), attempt == null ? null : attempt.record());
                backend.fill();
            }
        } finally {
            active.lock.unlock();
        }
    }

    /**
     * A request the launcher may or may not have acted on before it died. It goes back to the queue, to
     * claim its attempt before another runs: if that attempt does start after all, it is followed instead.
     */
    private void retryUnconfirmed(RunningTask rt, int claim) {
        active.lock.lock();
        try {
            if (active.holds(rt)) {
                active.unregister(rt);
                QueuedJob again = QueuedJob.none(rt.task.spec());
                again.addRequeued(rt.task.step(), claim);
                active.queue.add(again);
                log.info("task {}: attempt {} never started; queued again", rt.taskId, rt.task.attempt());
                backend.fill();
            }
        } finally {
            active.lock.unlock();
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
