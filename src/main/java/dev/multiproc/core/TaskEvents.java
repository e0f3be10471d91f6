package dev.multiproc.core;

import dev.multiproc.proc.ProcessIdentity;
import dev.multiproc.state.StateFiles;
import dev.multiproc.state.TaskRecord;
import dev.multiproc.journal.ExitInfoRow;
import dev.multiproc.journal.QueueingErrorRow;
import dev.multiproc.journal.TaskEndRow;
import dev.multiproc.journal.TaskJournal;
import dev.multiproc.journal.TaskStartRow;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one route by which a task's start and end are recorded, whatever backend saw them: the journal
 * (in the background), the exit-information cache and the queueing errors at once, so a task that leaves
 * the active set always has its exit information ready; then the end listeners. Callers hold the
 * {@link ActiveTasks} lock.
 */
final class TaskEvents {
    private static final Logger log = LoggerFactory.getLogger(TaskEvents.class);
    private static final int MAX_MESSAGE = 4000;

    private final ActiveTasks active;
    private final TaskJournal journal;
    private final ExitInfoCache exitInfos;
    private final QueueingErrors queueingErrors;
    private final StateFiles stateFiles;
    private final int sessionId;
    private final List<TaskEndListener> endListeners = new CopyOnWriteArrayList<>();

    TaskEvents(ActiveTasks active, TaskJournal journal, ExitInfoCache exitInfos, QueueingErrors queueingErrors,
            StateFiles stateFiles, int sessionId) {
        this.active = active;
        this.journal = journal;
        this.exitInfos = exitInfos;
        this.queueingErrors = queueingErrors;
        this.stateFiles = stateFiles;
        this.sessionId = sessionId;
    }

    /** Why this host may act for its name no more, once another host of its name took over its tasks; else empty. */
    java.util.Optional<String> hostSupplanted() {
        return journal.supplanted();
    }

    void addEndListener(TaskEndListener listener) {
        endListeners.add(listener);
    }

    /** The task's process started: pid and start time in the launcher's clock ticks. */
    void started(RunningTask rt, long pid, long startTicks, long clockTicksPerSecond) {
        boolean wasStarted = rt.hasStarted();
        rt.pid = pid;
        rt.startTicks = startTicks;
        rt.startedMs = System.currentTimeMillis();
        rt.pidStartedMs = ProcessIdentity.startInstant(startTicks, clockTicksPerSecond);
        rt.unconfirmedSince = 0;
        active.noteStarted(rt, wasStarted);
        journal.started(new TaskStartRow(rt.taskId, rt.task.attempt(), pid, startTicks, rt.pidStartedMs, rt.startedMs, sessionId));
        active.signalSettled();
    }

    /** A task run elsewhere (a Slurm job) started: it has no pid on this machine. */
    void startedRemotely(RunningTask rt, long startedMs) {
        boolean wasStarted = rt.hasStarted();
        rt.remoteStarted = true;
        active.noteStarted(rt, wasStarted);
        rt.startedMs = startedMs;
        journal.started(new TaskStartRow(rt.taskId, rt.task.attempt(), null, null, null, rt.startedMs, sessionId));
        active.signalSettled();
    }

    /** A handed task ended; {@code record} is its state file's, when there is one. */
    void ended(RunningTask rt, Outcome outcome, TaskRecord record) {
        active.unregister(rt);
        long now = System.currentTimeMillis();
        Long startedMs = record != null && record.t0Ms() > 0 ? Long.valueOf(record.t0Ms()) : rt.startedMs > 0 ? rt.startedMs : null;
        long endedMs = record != null && record.isFinished() && record.result().t1Ms() > 0 ? record.result().t1Ms() : now;
        boolean started = rt.hasStarted();
        boolean hasPid = rt.pid > 0;
        TaskEndRow row = new TaskEndRow(rt.taskId, started ? rt.task.attempt() : null, outcome.state().name(),
                hasPid ? rt.pid : null, hasPid ? rt.startTicks : null, hasPid ? rt.pidStartedMs : null, startedMs, endedMs,
                outcome.exitCode(), outcome.signal(), outcome.endCause().value(), outcome.status().code(), clip(outcome.message()),
                outcome.cpuMs(), outcome.peakRssKb(), sessionId);
        String taskId = rt.taskId;
        int attempt = rt.task.attempt();
        if (outcome.isQueueingError()) {
            queueingErrors.add(taskId, clip(outcome.message()));
            journal.queueingError(row, new QueueingErrorRow(taskId, clip(outcome.message()), now),
                    () -> stateFiles.delete(taskId, attempt));
        } else {
            exitInfos.ended(taskId, outcome.exitInfo());
            journal.ended(row, new ExitInfoRow(taskId, outcome.status().code(), clip(outcome.message()), now), () -> {
                exitInfos.committed(taskId);
                stateFiles.delete(taskId, attempt);
            });
        }
        active.signalSettled();
        tell(taskId, outcome);
    }

    /** A task ended before it was handed to the backend (terminated while queued). */
    void endedQueued(QueuedTask q, Outcome outcome) {
        String taskId = q.id().toString();
        long now = System.currentTimeMillis();
        TaskEndRow row = new TaskEndRow(taskId, null, outcome.state().name(), null, null, null, null, now, null, null,
                outcome.endCause().value(), outcome.status().code(), clip(outcome.message()), null, null, sessionId);
        exitInfos.ended(taskId, outcome.exitInfo());
        journal.ended(row, new ExitInfoRow(taskId, outcome.status().code(), clip(outcome.message()), now),
                () -> exitInfos.committed(taskId));
        active.signalSettled();
        tell(taskId, outcome);
    }

    private void tell(String taskId, Outcome outcome) {
        for (TaskEndListener l : endListeners) {
            try {
                l.ended(taskId, outcome);
            } catch (RuntimeException e) {
                log.warn("a task end listener failed: {}", e.toString());
            }
        }
    }

    private static String clip(String message) {
        return message.length() <= MAX_MESSAGE ? message : message.substring(0, MAX_MESSAGE - 3) + "...";
    }
}
