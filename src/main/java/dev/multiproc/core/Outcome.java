package dev.multiproc.core;

import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.cluster.TaskInstanceStatus;

/** How a task ended, in the journal's terms (state and cause) and the protocol's (status and message). */
public record Outcome(TaskState state, EndCause endCause, TaskInstanceStatus status, String message, Integer exitCode,
        Integer signal, Long cpuMs, Long peakRssKb) {

    public RemoteExitInfo exitInfo() {
        return new RemoteExitInfo(status, message);
    }

    public boolean isQueueingError() {
        return state == TaskState.ERROR;
    }
}
