package dev.multiproc.core;

import dev.multiproc.launcher.Launcher;
import dev.multiproc.launcher.LauncherLink;
import dev.multiproc.state.TaskRecord;
import dev.multiproc.launcher.TransientErrors;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One launcher's events, applied to the host's tasks: from the launcher this host started, or from one
 * that outlived an earlier host and was reattached. Each event takes the active set's lock.
 */
final class LauncherEvents implements Launcher.Events {
    private static final Logger log = LoggerFactory.getLogger(LauncherEvents.class);

    private final LocalBackend backend;
    private final ActiveTasks active;
    private volatile LauncherLink owner;

    LauncherEvents(LocalBackend backend, ActiveTasks active) {
        this.backend = backend;
        this.active = active;
    }

    /** The launcher these events come from, once it is known (events can arrive while it is being reached). */
    void ownedBy(LauncherLink link) {
        this.owner = link;
    }

    private long clockTicks() {
        LauncherLink o = owner;
        return o != null ? o.clockTicksPerSecond() : backend.clockTicksPerSecond();
    }

    @Override
    public void started(String key, long pid, long startTicks) {
        active.lock.lock();
        try {
            RunningTask rt = active.byKey(key);
            if (rt == null) {
                log.debug("start of {} arrived after its end", key);
                return;
            }
            backend.markStarted(rt, pid, startTicks, clockTicks());
            backend.startedAfterPause();
        } finally {
            active.lock.unlock();
        }
    }

    @Override
    public void exited(String key, long pid, int waitStatus, Optional<TaskRecord> record) {
        active.lock.lock();
        try {
            RunningTask rt = active.byKey(key);
            if (rt == null) {
                return;
            }
            TaskRecord r = record.orElse(null);
            if (!rt.hasStarted() && r != null && TransientErrors.isTransient(r.result())) {
                // its command never ran: its output could not be opened, or the command not executed, for now
                backend.defer(rt, backend.retryOf(rt), "cannot start the task: " + Outcomes.spawnError(r.result()));
                backend.fill();
                return;
            }
            if (!rt.hasStarted()) {
                backend.markStarted(rt, pid, record.map(TaskRecord::startTicks).orElse(0L), clockTicks());
            }
            Outcome outcome = r != null && r.isFinished() ? Outcomes.fromResult(r, rt.terminateReason) : backend.endWithoutResult(rt);
            backend.end(rt, outcome, r);
            backend.fill();
        } finally {
            active.lock.unlock();
        }
    }

    @Override
    public void failed(String key, int errno, String message) {
        active.lock.lock();
        try {
            RunningTask rt = active.byKey(key);
            if (rt != null) {
                if (TransientErrors.isTransient(errno)) {
                    backend.defer(rt, backend.retryOf(rt), "cannot start the task: " + message);
                } else {
                    backend.end(rt, Outcomes.queueingError("cannot start the task: " + message), null);
                }
                backend.fill();
            }
        } finally {
            active.lock.unlock();
        }
    }

    @Override
    public void dropped(String key) {
        active.lock.lock();
        try {
            RunningTask rt = active.byKey(key);
            if (rt == null) {
                return;
            }
            active.unregister(rt);
            if (rt.terminateReason != null) {
                backend.endQueued(rt.task, Outcomes.terminatedWhileQueued(rt.terminateReason));
            } else {
                // its attempt was claimed before it could start: it never ran; the next attempt will
                log.warn("task {}: attempt {} was claimed before it started; queued again", rt.taskId, rt.task.attempt());
                QueuedJob again = QueuedJob.none(rt.task.spec());
                again.addRequeued(rt.task.step(), rt.task.attempt() + 1);
                active.queue.add(again);
            }
            active.signalSettled();
            backend.fill();
        } finally {
            active.lock.unlock();
        }
    }

    @Override
    public void gone(String reason) {
        active.lock.lock();
        try {
            log.warn("{}; its tasks are watched from now on", reason);
            backend.launcherGone(owner, reason);
            backend.fill();
        } finally {
            active.lock.unlock();
        }
    }
}
