package dev.multiproc.journal;

/**
 * Where a task's output went: the directories its job named for standard output and standard error (null: discarded),
 * and the job's name and line of its run, which the log files' names and a run's summary are made of.
 */
public record TaskLogRow(String taskId, String name, Integer lineNo, String stdoutPath, String stderrPath) {
}
