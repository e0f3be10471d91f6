package dev.multiproc.journal;

/** A task that could not be started, and why. */
public record QueueingErrorRow(String taskId, String message, long recordedMs) {
}
