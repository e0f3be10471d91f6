package dev.multiproc.core;

/**
 * One task waiting to start, or just taken from the queue to start.
 *
 * @param attempt    the attempt to run; with {@code claimFirst}, the attempt to claim first (the one
 *                   that runs is the next)
 * @param claimFirst requeued by recovery: {@code attempt} may still be started late by the launcher of
 *                   the host that died, so its state file is claimed before another attempt starts
 */
public record QueuedTask(JobSpec spec, Integer step, int attempt, boolean claimFirst) {
    public TaskId id() {
        return TaskId.of(spec.jobId(), step);
    }

    QueuedTask asAttempt(int attempt) {
        return new QueuedTask(spec, step, attempt, false);
    }
}
