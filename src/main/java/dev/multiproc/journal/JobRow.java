package dev.multiproc.journal;

/**
 * One submit call as journaled: a single task, or an array when {@code arrayLength} is set. A service's client
 * adds who it is, the key of its call, and the environment its tasks see (a JSON object, or null).
 */
public record JobRow(long jobId, String name, String command, String resources, int cores, Long memoryBytes,
        Long runtimeS, String stdoutPath, String stderrPath, Integer arrayLength, long submittedMs, int sessionId, Long runId,
        Integer lineNo, String clientId, String requestKey, String environment) {

    @org.jdbi.v3.core.mapper.reflect.JdbiConstructor
    public JobRow {
    }

    public JobRow(long jobId, String name, String command, String resources, int cores, Long memoryBytes, Long runtimeS,
            String stdoutPath, String stderrPath, Integer arrayLength, long submittedMs, int sessionId, Long runId, Integer lineNo) {
        this(jobId, name, command, resources, cores, memoryBytes, runtimeS, stdoutPath, stderrPath, arrayLength, submittedMs,
                sessionId, runId, lineNo, null, null, null);
    }
}
