package dev.multiproc.core;

/** One task waiting to start, or just taken from the queue to start. */
public record QueuedTask(JobSpec spec, Integer step, int attempt) {
    public TaskId id() {
        return TaskId.of(spec.jobId(), step);
    }
}
