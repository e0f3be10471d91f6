package dev.multiproc.cluster;

import java.util.List;
import java.util.Map;

/** A queue of a cluster: the limits it puts on requested resources. */
public interface ClusterQueue {

    int queueId();

    String queueName();

    Map<String, Object> parameters();

    /** Resources a task must request on this queue. */
    List<String> requiredResources();

    /**
     * Checks requested resources against the queue's limits. Out-of-range values are named in the message
     * (with the value they would be clamped to); they make the answer invalid only when {@code strict}.
     */
    ValidationResult validateResources(boolean strict, Map<String, Object> resources);

    /** The resources in canonical units, clamped into the queue's limits. */
    Map<String, Object> coerceResources(Map<String, Object> resources);

    /** The answer of {@link #validateResources}: {@code (valid, message)}. */
    record ValidationResult(boolean valid, String message) {
    }
}
