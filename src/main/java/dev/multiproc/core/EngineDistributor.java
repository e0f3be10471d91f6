package dev.multiproc.core;

import dev.multiproc.cluster.ClusterDistributor;
import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.cluster.RemoteExitInfoNotAvailableException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The distributor protocol answered by one {@link Engine}: what {@code MultiprocessDistributor} and
 * {@code SlurmDistributor} share, as they differ only in the backend their builder gives the engine.
 */
public abstract class EngineDistributor implements ClusterDistributor {
    private final Engine engine;

    protected EngineDistributor(Engine engine) {
        this.engine = engine;
    }

    @Override
    public String clusterName() {
        return engine.settings().clusterName();
    }

    /**
     * The program a task runs to become a Jobmon worker node, as configured ({@code worker_node_entry_point};
     * by default {@code worker_node_entry_point}, found on the task's {@code PATH}). A workflow host submits it
     * followed by {@link #buildWorkerNodeCommand}'s words, as Jobmon's own distributors run
     * {@code worker_node_entry_point + " " + command}.
     */
    @Override
    public String workerNodeEntryPoint() {
        return engine.settings().workerNodeEntryPoint();
    }

    @Override
    public String expectedJobmonVersion() {
        return engine.settings().expectedJobmonVersion();
    }

    @Override
    public void start() {
        engine.start();
    }

    @Override
    public void stop() {
        engine.stop();
    }

    @Override
    public String submitToBatchDistributor(String command, String name, Map<String, Object> requestedResources) {
        return engine.submit(command, name, requestedResources);
    }

    @Override
    public Map<Integer, String> submitArrayToBatchDistributor(String command, String name, Map<String, Object> requestedResources,
            int arrayLength) {
        return engine.submitArray(command, name, requestedResources, arrayLength);
    }

    @Override
    public Set<String> getSubmittedOrRunning(List<String> distributorIds) {
        return engine.active(distributorIds);
    }

    @Override
    public void terminateTaskInstances(List<String> distributorIds) {
        engine.terminate(distributorIds);
    }

    @Override
    public Map<String, String> getQueueingErrors(List<String> distributorIds) {
        return engine.popQueueingErrors(distributorIds);
    }

    @Override
    public RemoteExitInfo getRemoteExitInfo(String distributorId) throws RemoteExitInfoNotAvailableException {
        return engine.exitInfo(distributorId);
    }

    @Override
    public void close() {
        engine.close();
    }

    /** The engine behind this distributor: the journal, recovery results, counts; for tools built on the library. */
    public Engine engine() {
        return engine;
    }
}
