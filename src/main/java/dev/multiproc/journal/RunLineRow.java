package dev.multiproc.journal;

/** The latest task of one command of a run. */
public record RunLineRow(int lineNo, String taskId, String state, String endCause) {
}
