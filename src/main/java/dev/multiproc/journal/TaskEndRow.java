package dev.multiproc.journal;

/**
 * A task reached its terminal state. The process fields repeat what the start row said, because a
 * task can end before its start was journaled (or while the host was down).
 */
public record TaskEndRow(String taskId, Integer attempt, String state, Long pid, Long pidStartTicks, Long pidStartedMs, Long startedMs,
        long endedMs, Integer exitCode, Integer signal, String endCause, String statusCode, String message, Long cpuMs,
        Long peakRssKb, int sessionId) {
}
