package dev.multiproc.cluster;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** The task's side of the protocol: what a running task learns about itself from its distributor. */
public interface ClusterWorkerNode {

    /** {@code JOB_ID} for a single task, {@code JOB_ID_ARRAY_STEP_ID} for an array step; empty outside a task. */
    Optional<String> distributorId();

    /** {@code ARRAY_STEP_ID}; empty for a single task. */
    OptionalInt arrayStepId();

    /** The exit status and message the worker reports for a failed command. */
    RemoteExitInfo getExitInfo(int exitCode, String errorMessage);

    /** Resource usage of the task's own process: {@code maxrss} (bytes), {@code cpu} (seconds), {@code usage_str} (raw figures). */
    Map<String, String> getUsageStats();

    /** The log file for {@code logType} ("stdout" or "stderr") in {@code logDir}; {@code /dev/null} without a directory. */
    String initializeLogfile(String logType, String logDir, String name);
}
