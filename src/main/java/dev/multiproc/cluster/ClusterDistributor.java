package dev.multiproc.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The distributor side of the Jobmon cluster protocol: what a workflow host calls to run task
 * instances on a compute backend.
 */
public interface ClusterDistributor extends AutoCloseable {

    /** The name the host gave this distributor. */
    String clusterName();

    /**
     * The program a task runs to become a worker node (Jobmon's {@code worker_node_entry_point} command-line
     * tool), given {@link #buildWorkerNodeCommand}'s words as its arguments.
     */
    String workerNodeEntryPoint();

    /** Begins dispatching. Idempotent. */
    void start();

    /** Terminates every queued and running task, then stops dispatching. */
    void stop();

    /** Queues one task; returns its distributor id, such as {@code "17"}. */
    String submitToBatchDistributor(String command, String name, Map<String, Object> requestedResources);

    /** Queues {@code arrayLength} copies under one job id; returns step to distributor id ({@code "18_0"}, ...). */
    Map<Integer, String> submitArrayToBatchDistributor(String command, String name,
            Map<String, Object> requestedResources, int arrayLength);

    /** The queued or running ids among {@code distributorIds}; all of them when {@code distributorIds} is null. */
    Set<String> getSubmittedOrRunning(List<String> distributorIds);

    /** Kills each running task with all its descendants and drops queued ones; unknown ids are logged. */
    void terminateTaskInstances(List<String> distributorIds);

    /** Errors that kept tasks from starting; each error is returned once, then forgotten. */
    Map<String, String> getQueueingErrors(List<String> distributorIds);

    /** How a finished task ended. */
    RemoteExitInfo getRemoteExitInfo(String distributorId) throws RemoteExitInfoNotAvailableException;

    /** Stops, then releases everything the distributor holds. */
    @Override
    void close();

    /**
     * The worker-node command for one task instance, or for one batch of an array:
     * {@code worker_node_job --task_instance_id N} or {@code worker_node_array --array_id A --batch_number B},
     * followed by {@code --expected_jobmon_version V --cluster_name C}.
     */
    default String buildWorkerNodeCommand(Integer taskInstanceId, Integer arrayId, Integer batchNumber) {
        List<String> words = new ArrayList<>();
        if (taskInstanceId != null) {
            words.addAll(List.of("worker_node_job", "--task_instance_id", taskInstanceId.toString()));
        } else if (arrayId != null && batchNumber != null) {
            words.addAll(List.of("worker_node_array", "--array_id", arrayId.toString(),
                    "--batch_number", batchNumber.toString()));
        } else {
            throw new IllegalArgumentException("Must specify either task_instance_id or array_id and batch_number. Got "
                    + "task_instance_id=" + taskInstanceId + ", array_id=" + arrayId + ", batch_number=" + batchNumber);
        }
        words.addAll(List.of("--expected_jobmon_version", expectedJobmonVersion(), "--cluster_name", clusterName()));
        return String.join(" ", words);
    }

    /** The Jobmon version the worker node is expected to run; the value of {@code --expected_jobmon_version}. */
    default String expectedJobmonVersion() {
        return "3.4.0";
    }
}
