package dev.multiproc.core;

import dev.multiproc.proc.ProcessIdentity;
import dev.multiproc.state.StateFiles;

/**
 * A task that left the queue: handed to the launcher, running, or reattached after a restart. Guarded
 * by the {@link ActiveTasks} lock.
 */
final class RunningTask {
    final QueuedTask task;
    final String taskId;
    final String key;
    long pid;
    long startTicks;
    long pidStartedMs;
    long startedMs;
    /** The launcher that reports on it: the one it was handed to, or a reattached one; null when none does. */
    dev.multiproc.launcher.LauncherLink launcher;
    /** No live launcher reports on it: its end is found by watching its state files and pid. */
    boolean watched;
    /** Not started by the host's current launcher, whose slots it therefore does not take. */
    boolean foreign;
    /** When the host lost sight of the dispatch (launcher gone before confirming it), in nanos; 0 otherwise. */
    long unconfirmedSince;
    /** When the watcher first saw it starting, or ended with its launcher yet to record the result; 0 otherwise. */
    long waitingSince;
    Outcomes.TerminateReason terminateReason;
    long terminateSentNanos;
    boolean forceKilled;
    /** Under cluster slurm: the Slurm job id it runs as ({@code "17"}, {@code "18_3"}); null until sbatch answered. */
    String slurmJobId;
    /** Under cluster slurm: Slurm reported it running (it has no pid here). */
    boolean remoteStarted;

    RunningTask(QueuedTask task) {
        this.task = task;
        this.taskId = task.id().toString();
        this.key = StateFiles.key(taskId, task.attempt());
    }

    /** A task whose shell is known from its state file. */
    static RunningTask fromRecord(QueuedTask task, dev.multiproc.state.TaskRecord record) {
        RunningTask rt = new RunningTask(task);
        rt.pid = record.pid();
        rt.startTicks = record.startTicks();
        rt.pidStartedMs = ProcessIdentity.startInstant(record.startTicks());
        rt.startedMs = record.t0Ms();
        return rt;
    }

    boolean hasStarted() {
        return pid > 0 || remoteStarted;
    }

    ProcessIdentity identity() {
        return new ProcessIdentity(pid, startTicks);
    }

    int cores() {
        return task.spec().cores();
    }
}
