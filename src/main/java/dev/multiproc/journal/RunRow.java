package dev.multiproc.journal;

/** A run of the command line: the commands of one file, resumable by name. */
public record RunRow(long runId, String name, String source, String contentSha256, int commandCount, long createdMs) {
}
