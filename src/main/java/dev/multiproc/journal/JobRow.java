package dev.multiproc.journal;

/** One submit call as journaled: a single task, or an array when {@code arrayLength} is set. */
public record JobRow(long jobId, String name, String command, String resources, int cores, Long memoryBytes,
        Long runtimeS, String stdoutPath, String stderrPath, Integer arrayLength, long submittedMs, int sessionId, Long runId,
        Integer lineNo) {
}
