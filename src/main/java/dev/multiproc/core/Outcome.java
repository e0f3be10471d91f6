package dev.multiproc.core;

import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.cluster.TaskInstanceStatus;

/**
 * How a task ended, in the journal's terms (state and cause) and the protocol's (status and message).
 *
 * @param state    DONE, FAILED, TERMINATED, LOST or ERROR
 * @param endCause exit, signal, terminated, runtime, memory, spawn_error, lost or recovery_kill
 */
public record Outcome(String state, String endCause, TaskInstanceStatus status, String message, Integer exitCode,
        Integer signal, Long cpuMs, Long peakRssKb) {

    public static final String DONE = "DONE";
    public static final String FAILED = "FAILED";
    public static final String TERMINATED = "TERMINATED";
    public static final String LOST = "LOST";
    public static final String ERROR = "ERROR";

    public RemoteExitInfo exitInfo() {
        return new RemoteExitInfo(status, message);
    }

    public boolean isQueueingError() {
        return ERROR.equals(state);
    }
}
