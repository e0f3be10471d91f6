package dev.multiproc.core;

/** Where a task is in its life; the journal's {@code task.state} holds the name. */
public enum TaskState {
    /** Submitted, not started. */
    QUEUED,
    /** Its command runs. */
    RUNNING,
    /** Its command exited with 0. */
    DONE,
    /** Its command exited otherwise, was killed by a signal, or went over a limit. */
    FAILED,
    /** Ended at someone's request: a terminate, a stop of its host, or recovery (see {@link EndCause}). */
    TERMINATED,
    /** It ended with nobody left to record how. */
    LOST,
    /** It could not start: a queueing error. */
    ERROR;

    /** Queued or running: the task is in the active set. */
    public boolean isActive() {
        return this == QUEUED || this == RUNNING;
    }

    /** The state named {@code name} (a journal value); an error names the values there are. */
    public static TaskState of(String name) {
        try {
            return valueOf(name);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("no task state '" + name + "'; the states are " + java.util.Arrays.toString(values()), e);
        }
    }
}
