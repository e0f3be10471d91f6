package dev.multiproc.journal;

/** A task the journal does not show as finished: what recovery starts from. */
public record UnfinishedTaskRow(String taskId, long jobId, Integer step, String state, int attempt, Long pid,
        Long pidStartTicks, Long pidStartedMs, Long startedMs) {
}
