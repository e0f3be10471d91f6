package dev.multiproc.worker;

import dev.multiproc.cluster.ClusterWorkerNode;
import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.cluster.TaskInstanceStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The task's view of the multiprocess distributor, read from the environment the distributor gave it:
 * {@code JOB_ID}, and {@code ARRAY_STEP_ID} for an array step.
 */
public final class MultiprocessWorkerNode implements ClusterWorkerNode {
    private final Map<String, String> env;

    public MultiprocessWorkerNode() {
        this(System.getenv());
    }

    public MultiprocessWorkerNode(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /** {@code "17"} for a single task, {@code "18_3"} for step 3 of array 18; empty outside a task. */
    @Override
    public Optional<String> distributorId() {
        String jobId = env.get("JOB_ID");
        if (jobId == null || jobId.isEmpty()) {
            return Optional.empty();
        }
        OptionalInt step = arrayStepId();
        return Optional.of(step.isPresent() ? jobId + "_" + step.getAsInt() : jobId);
    }

    @Override
    public OptionalInt arrayStepId() {
        String step = env.get("ARRAY_STEP_ID");
        if (step == null || step.isEmpty()) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(step.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalStateException("ARRAY_STEP_ID is not a whole number: '" + step + "'");
        }
    }

    @Override
    public RemoteExitInfo getExitInfo(int exitCode, String errorMessage) {
        return new RemoteExitInfo(TaskInstanceStatus.ERROR, "Got exit_code: " + exitCode + ". Error message was: " + errorMessage);
    }

    /**
     * Usage of this process (the task's own): {@code maxrss} peak resident bytes, {@code cpu} user plus
     * system seconds, and {@code usage_str}, the raw figures as JSON.
     */
    @Override
    public Map<String, String> getUsageStats() {
        long maxRssBytes = statusKb("VmHWM") * 1024;
        double cpuSeconds = ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L) / 1e9;
        Map<String, String> stats = new LinkedHashMap<>();
        stats.put("maxrss", Long.toString(maxRssBytes));
        stats.put("cpu", String.format(java.util.Locale.ROOT, "%.2f", cpuSeconds));
        stats.put("usage_str", String.format(java.util.Locale.ROOT,
                "{\"maxrss_bytes\": %d, \"cpu_seconds\": %.3f, \"pid\": %d}", maxRssBytes, cpuSeconds, ProcessHandle.current().pid()));
        return stats;
    }

    @Override
    public String initializeLogfile(String logType, String logDir, String name) {
        return LogFiles.path(logType, logDir, name, distributorId().orElse("unknown"));
    }

    private static long statusKb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
