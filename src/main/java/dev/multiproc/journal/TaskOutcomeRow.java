package dev.multiproc.journal;

/** What the history says about how a task ended, if it did. */
public record TaskOutcomeRow(String state, String statusCode, String message, String endCause) {
}
