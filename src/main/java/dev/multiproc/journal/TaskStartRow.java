package dev.multiproc.journal;

/** A task started: the identity of its shell (pid and start time; null for a Slurm job, which runs elsewhere) and when. */
public record TaskStartRow(String taskId, int attempt, Long pid, Long pidStartTicks, Long pidStartedMs, long startedMs, int sessionId) {
}
