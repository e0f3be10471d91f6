package dev.multiproc.cluster;

import java.util.Objects;

/** Why a task instance ended, as the distributor reports it to the workflow host. */
public record RemoteExitInfo(TaskInstanceStatus status, String message) {
    public RemoteExitInfo {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(message, "message");
    }
}
