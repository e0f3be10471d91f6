package dev.multiproc.journal;

/** A task's supervisor was started. */
public record TaskStartRow(String taskId, int attempt, long pid, long pidStartTicks, long pidStartedMs, long startedMs, int sessionId) {
}
