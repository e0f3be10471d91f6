package dev.multiproc.service;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.cluster.RemoteExitInfoNotAvailableException;
import dev.multiproc.core.Engine;
import dev.multiproc.core.SubmitContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The distributor protocol as JSON endpoints over one engine (see openapi.yaml beside this class). */
final class ProtocolRoutes {

    record Submit(@JsonProperty(value = "command", required = true) String command, @JsonProperty(value = "name", required = true) String name,
            @JsonProperty("requested_resources") Map<String, Object> requestedResources, @JsonProperty("environment") Map<String, String> environment,
            @JsonProperty("client_id") String clientId, @JsonProperty("request_key") String requestKey,
            @JsonProperty("array_length") Integer arrayLength) {

        SubmitContext context() {
            return new SubmitContext(clientId, requestKey, environment);
        }

        Map<String, Object> resources() {
            return requestedResources == null ? Map.of() : requestedResources;
        }
    }

    record Ids(@JsonProperty("distributor_ids") List<String> distributorIds) {
    }

    record Submitted(@JsonProperty("distributor_id") String distributorId) {
    }

    record SubmittedArray(@JsonProperty("distributor_ids") Map<String, String> distributorIds) {
    }

    record Errors(@JsonProperty("errors") Map<String, String> errors) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ExitInfo(@JsonProperty("available") boolean available, @JsonProperty("status") String status,
            @JsonProperty("message") String message) {
    }

    record Info(@JsonProperty("api_version") int apiVersion, @JsonProperty("cluster_name") String clusterName,
            @JsonProperty("cluster") String cluster, @JsonProperty("worker_node_entry_point") String workerNodeEntryPoint,
            @JsonProperty("expected_jobmon_version") String expectedJobmonVersion, @JsonProperty("journal") String journal,
            @JsonProperty("pid") long pid) {
    }

    private final Engine engine;
    private final Info info;

    ProtocolRoutes(Engine engine, Info info) {
        this.engine = engine;
        this.info = info;
    }

    void addTo(ApiHandler api) {
        api.route("GET", "/v1/info", (tail, body) -> info)
                .route("POST", "/v1/tasks", (tail, body) -> submit(ApiHandler.parse(body, Submit.class)))
                .route("POST", "/v1/arrays", (tail, body) -> submitArray(ApiHandler.parse(body, Submit.class)))
                .route("POST", "/v1/active", (tail, body) -> new Ids(new ArrayList<>(engine.active(ids(body, true)))))
                .route("POST", "/v1/terminate", (tail, body) -> {
                    engine.terminate(ids(body, false));
                    return null;
                })
                .route("POST", "/v1/queueing-errors", (tail, body) -> new Errors(engine.popQueueingErrors(ids(body, false))))
                .routeUnder("GET", "/v1/exit-info/", (tail, body) -> exitInfo(decode(tail)))
                .routeUnder("POST", "/v1/clients/", (tail, body) -> stopClient(tail))
                .routeAlways("GET", "/v1/openapi.yaml", (tail, body) -> openApi());
    }

    private Submitted submit(Submit s) {
        if (s.arrayLength() != null) {
            throw new ApiException(400, "field 'array_length' belongs to POST /v1/arrays, not /v1/tasks");
        }
        return new Submitted(engine.submit(s.command(), s.name(), s.resources(), s.context()));
    }

    private SubmittedArray submitArray(Submit s) {
        if (s.arrayLength() == null) {
            throw new ApiException(400, "field 'array_length' is missing: how many steps the array has");
        }
        Map<Integer, String> ids = engine.submitArray(s.command(), s.name(), s.resources(), s.arrayLength(), s.context());
        Map<String, String> byStep = new LinkedHashMap<>(ids.size() * 2);
        new TreeMap<>(ids).forEach((step, id) -> byStep.put(Integer.toString(step), id));
        return new SubmittedArray(byStep);
    }

    /** The ids of a body; absent or null ids mean all of them where {@code nullMeansAll}, else they are required. */
    private static List<String> ids(byte[] body, boolean nullMeansAll) {
        if (body.length == 0 && nullMeansAll) {
            return null;
        }
        List<String> ids = ApiHandler.parse(body, Ids.class).distributorIds();
        if (ids == null && !nullMeansAll) {
            throw new ApiException(400, "field 'distributor_ids' is missing: a list of distributor ids");
        }
        return ids;
    }

    private ExitInfo exitInfo(String id) {
        if (!engine.mayHaveIssued(id)) {
            throw new ApiException(404, "'" + id + "' is not a distributor id this journal issued");
        }
        try {
            RemoteExitInfo info = engine.exitInfo(id);
            return new ExitInfo(true, info.status().code(), info.message());
        } catch (RemoteExitInfoNotAvailableException e) {
            return new ExitInfo(false, null, e.getMessage());
        }
    }

    private Ids stopClient(String tail) {
        if (!tail.endsWith("/stop")) {
            throw new ApiException(404, "no such endpoint: /v1/clients/" + tail);
        }
        String client = decode(tail.substring(0, tail.length() - "/stop".length()));
        return new Ids(engine.terminateClient(client));
    }

    private static String decode(String pathPart) {
        return URLDecoder.decode(pathPart.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static byte[] openApi() throws IOException {
        try (InputStream in = ProtocolRoutes.class.getResourceAsStream("openapi.yaml")) {
            if (in == null) {
                throw new IllegalStateException("openapi.yaml is missing from the jar");
            }
            return in.readAllBytes();
        }
    }
}
