package dev.multiproc.journal;

/** A request from another process to the host that holds the journal. */
public record TaskRequestRow(long requestId, String taskId, String kind, long requestedMs, String requestedBy, Long handledMs,
        String outcome) {
}
