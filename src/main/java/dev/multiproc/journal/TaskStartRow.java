package dev.multiproc.journal;

/** A task started: the identity of its shell (pid and start time) and when. */
public record TaskStartRow(String taskId, int attempt, long pid, long pidStartTicks, long pidStartedMs, long startedMs, int sessionId) {
}
