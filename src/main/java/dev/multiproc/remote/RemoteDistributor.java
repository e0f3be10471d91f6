package dev.multiproc.remote;

import com.fasterxml.jackson.databind.JsonNode;
import dev.multiproc.cluster.ClusterDistributor;
import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.cluster.RemoteExitInfoNotAvailableException;
import dev.multiproc.cluster.TaskInstanceStatus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The distributor of a journal that a service ({@code multiproc serve}) holds, used as if it were embedded. Calls go
 * over HTTP to 127.0.0.1 and wait through a restart of the service (up to the patience given, two minutes by
 * default). A submit carries a request key, so one that is sent again after a lost answer is journaled once.
 * {@link #close()} only disconnects: the service and its tasks go on; {@link #stop()} ends the tasks this client
 * submitted, as Jobmon's distributor does on SIGTERM.
 */
public final class RemoteDistributor implements ClusterDistributor {
    public static final Duration DEFAULT_PATIENCE = Duration.ofMinutes(2);

    private final ServiceConnection service;
    private final String clientId = "java-" + UUID.randomUUID();
    private final Map<String, String> environment;
    private final JsonNode info;
    private volatile boolean closed;

    private RemoteDistributor(ServiceConnection service, Map<String, String> environment) {
        this.service = service;
        this.environment = Map.copyOf(environment);
        this.info = ok(service.send("GET", "/info", null));
    }

    /** Connects to the service of {@code journalDir}, waiting for it up to {@link #DEFAULT_PATIENCE}. */
    public static RemoteDistributor connect(Path journalDir) {
        return connect(journalDir, DEFAULT_PATIENCE, Map.of());
    }

    /**
     * Connects to the service of {@code journalDir}; each call waits up to {@code patience} for a service that is down
     * or starting. Every task this client submits sees {@code environment} besides JOB_ID and ARRAY_STEP_ID.
     */
    public static RemoteDistributor connect(Path journalDir, Duration patience, Map<String, String> environment) {
        Objects.requireNonNull(journalDir, "journalDir");
        Objects.requireNonNull(patience, "patience");
        return new RemoteDistributor(new ServiceConnection(journalDir, patience), environment == null ? Map.of() : environment);
    }

    /** This client's id: the service's journal records it with each submission, and stop() ends its tasks. */
    public String clientId() {
        return clientId;
    }

    @Override
    public String clusterName() {
        return info.path("cluster_name").asText();
    }

    @Override
    public String workerNodeEntryPoint() {
        return info.path("worker_node_entry_point").asText();
    }

    @Override
    public String expectedJobmonVersion() {
        return info.path("expected_jobmon_version").asText();
    }

    /** The service dispatches once it has started: this waits until it answers. */
    @Override
    public void start() {
        open();
        ok(service.send("GET", "/info", null));
    }

    @Override
    public void stop() {
        open();
        ok(service.send("POST", "/clients/" + URLEncoder.encode(clientId, StandardCharsets.UTF_8) + "/stop", Map.of()));
    }

    @Override
    public String submitToBatchDistributor(String command, String name, Map<String, Object> requestedResources) {
        open();
        return ok(service.send("POST", "/tasks", submitBody(command, name, requestedResources, null))).path("distributor_id").asText();
    }

    @Override
    public Map<Integer, String> submitArrayToBatchDistributor(String command, String name, Map<String, Object> requestedResources,
            int arrayLength) {
        open();
        JsonNode ids = ok(service.send("POST", "/arrays", submitBody(command, name, requestedResources, arrayLength))).path("distributor_ids");
        Map<Integer, String> byStep = new TreeMap<>();
        ids.fields().forEachRemaining(e -> byStep.put(Integer.parseInt(e.getKey()), e.getValue().asText()));
        return byStep;
    }

    private Map<String, Object> submitBody(String command, String name, Map<String, Object> requestedResources, Integer arrayLength) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("command", command);
        body.put("name", name);
        body.put("requested_resources", requestedResources == null ? Map.of() : requestedResources);
        if (!environment.isEmpty()) {
            body.put("environment", environment);
        }
        body.put("client_id", clientId);
        body.put("request_key", UUID.randomUUID().toString());
        if (arrayLength != null) {
            body.put("array_length", arrayLength);
        }
        return body;
    }

    @Override
    public Set<String> getSubmittedOrRunning(List<String> distributorIds) {
        open();
        Map<String, Object> body = new HashMap<>();
        body.put("distributor_ids", distributorIds);
        return new LinkedHashSet<>(strings(ok(service.send("POST", "/active", body)).path("distributor_ids")));
    }

    @Override
    public void terminateTaskInstances(List<String> distributorIds) {
        open();
        Map<String, Object> body = new HashMap<>();
        body.put("distributor_ids", distributorIds);
        ok(service.send("POST", "/terminate", body));
    }

    @Override
    public Map<String, String> getQueueingErrors(List<String> distributorIds) {
        open();
        Map<String, Object> body = new HashMap<>();
        body.put("distributor_ids", distributorIds);
        Map<String, String> errors = new LinkedHashMap<>();
        ok(service.send("POST", "/queueing-errors", body)).path("errors").fields()
                .forEachRemaining(e -> errors.put(e.getKey(), e.getValue().asText()));
        return errors;
    }

    @Override
    public RemoteExitInfo getRemoteExitInfo(String distributorId) throws RemoteExitInfoNotAvailableException {
        open();
        if (distributorId == null) {
            throw new IllegalArgumentException("distributorId must not be null");
        }
        ServiceConnection.Answer a = service.send("GET", "/exit-info/" + URLEncoder.encode(distributorId, StandardCharsets.UTF_8), null);
        if (a.status() == 404) {
            throw new RemoteExitInfoNotAvailableException(a.error());
        }
        JsonNode info = ok(a);
        if (!info.path("available").asBoolean()) {
            throw new RemoteExitInfoNotAvailableException(info.path("message").asText());
        }
        return new RemoteExitInfo(TaskInstanceStatus.fromCode(info.path("status").asText()), info.path("message").asText());
    }

    /** Disconnects; the service and the tasks go on. */
    @Override
    public void close() {
        closed = true;
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("this RemoteDistributor of " + service.journalDir() + " is closed");
        }
    }

    private static JsonNode ok(ServiceConnection.Answer a) {
        int s = a.status();
        if (s >= 200 && s < 300) {
            return a.body() == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : a.body();
        }
        if (s == 400 || s == 404 || s == 413) {
            throw new IllegalArgumentException(a.error());
        }
        throw new IllegalStateException("the service answered " + s + ": " + a.error());
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>(array.size());
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
