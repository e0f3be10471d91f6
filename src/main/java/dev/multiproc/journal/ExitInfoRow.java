package dev.multiproc.journal;

/** One entry of the exit information. */
public record ExitInfoRow(String taskId, String statusCode, String message, long recordedMs) {
}
