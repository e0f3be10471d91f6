package dev.multiproc.core;


/** What was submitted: one command, run once or as an array of {@code arrayLength} steps. */
public record JobSpec(long jobId, String name, String command, Resources resources, Integer arrayLength) {

    public boolean isArray() {
        return arrayLength != null;
    }

    public int cores() {
        return resources.cores();
    }
}
