package dev.multiproc.journal;

import java.nio.file.Path;

/**
 * What opening a damaged journal found and did, kept in the {@code journal_repair} table and in the
 * evidence directory.
 *
 * @param kind how the journal was brought back
 * @param foundGeneration the generation the damaged file opened at (-1: it did not open)
 * @param committedGeneration the newest generation known to have been committed
 * @param resultGeneration the generation of the journal now
 * @param evidence the directory holding the damaged files as they were found
 * @param details what was tried and found, in words
 */
public record RepairReport(Kind kind, long foundGeneration, long committedGeneration, long resultGeneration, Path evidence,
        String details) {

    public enum Kind {
        /** H2's own recovery found the newest commit in the file: the file was whole, its header was behind. */
        HEADER_REPAIRED,
        /** The commits H2 lost were applied again from the redo log: nothing is missing. */
        REPLAYED,
        /** Some commits could not be found: the journal was rebuilt from what survived; see {@link #details}. */
        REBUILT
    }

    /** Whether nothing committed is missing. */
    public boolean complete() {
        return kind != Kind.REBUILT;
    }
}
