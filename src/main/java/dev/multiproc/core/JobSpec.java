package dev.multiproc.core;

import java.util.Map;

/**
 * What was submitted: one command, run once or as an array of {@code arrayLength} steps, with the variables its
 * tasks see besides {@code JOB_ID} and {@code ARRAY_STEP_ID} (a service client's; empty otherwise).
 */
public record JobSpec(long jobId, String name, String command, Resources resources, Integer arrayLength,
        Map<String, String> environment) {

    public JobSpec {
        environment = environment == null ? Map.of() : Map.copyOf(environment);
    }

    public JobSpec(long jobId, String name, String command, Resources resources, Integer arrayLength) {
        this(jobId, name, command, resources, arrayLength, Map.of());
    }

    public boolean isArray() {
        return arrayLength != null;
    }

    public int cores() {
        return resources.cores();
    }
}
