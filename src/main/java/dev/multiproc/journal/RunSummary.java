package dev.multiproc.journal;

import java.util.List;

/**
 * A run's commands by how their latest task ended.
 *
 * @param failures the first of the commands that failed, in line order
 */
public record RunSummary(long commands, long done, long failed, List<Failure> failures) {

    /** A command whose latest task did not end well. */
    public record Failure(int lineNo, String taskId, String state, String message) {
    }
}
