package dev.multiproc.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The HTTP side of the service: the token, bad input with the right status, the limits, the files it writes. */
class ServiceApiTest extends JournalTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private record Reply(int status, JsonNode body) {
        String error() {
            return body == null ? "" : body.path("error").asText();
        }
    }

    private Reply call(DistributorService s, String token, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.url() + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body().isEmpty() || !r.body().startsWith("{") ? null : JSON.readTree(r.body()));
    }

    private String token() {
        return ServiceFile.read(journal()).orElseThrow().token();
    }

    @Test
    void writesWhereItListensPrivatelyAndRefusesRequestsWithoutTheToken() throws Exception {
        try (DistributorService s = DistributorService.start(Hosts.builder(journal(), 2).build(), 0)) {
            ServiceFile.Entry e = ServiceFile.read(journal()).orElseThrow();
            assertEquals(s.url(), e.url());
            assertEquals(ProcessHandle.current().pid(), e.pid());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(ServiceFile.of(journal()))));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(journal().resolve(ServiceFile.TOKEN_NAME))));
            assertEquals(401, call(s, null, "GET", "/v1/info", null).status());
            assertEquals(401, call(s, "0".repeat(64), "GET", "/v1/info", null).status());
            assertEquals(401, call(s, null, "POST", "/v1/tasks", "{\"command\":\"true\",\"name\":\"x\"}").status());
            Reply info = call(s, e.token(), "GET", "/v1/info", null);
            assertEquals(200, info.status());
            assertEquals(1, info.body().path("api_version").asInt());
            assertEquals("local", info.body().path("cluster").asText());
        }
        assertTrue(ServiceFile.read(journal()).isEmpty(), "a stopped service removes service.json");
    }

    @Test
    void theTokenStaysTheSameWhenTheServiceComesBack() throws Exception {
        String first;
        try (DistributorService s = DistributorService.start(Hosts.builder(journal(), 2).build(), 0)) {
            first = token();
        }
        try (DistributorService s = DistributorService.start(Hosts.builder(journal(), 2).build(), 0)) {
            assertEquals(first, token());
            assertEquals(200, call(s, first, "GET", "/v1/info", null).status());
        }
    }

    @Test
    void badRequestsGetTheirStatusAndAMessageThatNamesTheThing() throws Exception {
        try (DistributorService s = DistributorService.start(Hosts.builder(journal(), 2).build(), 0)) {
            String t = token();
            Reply unknownField = call(s, t, "POST", "/v1/tasks", "{\"command\":\"true\",\"name\":\"x\",\"colour\":\"red\"}");
            assertEquals(400, unknownField.status());
            assertTrue(unknownField.error().contains("unknown field 'colour'"), unknownField.error());
            Reply malformed = call(s, t, "POST", "/v1/tasks", "{\"command\":");
            assertEquals(400, malformed.status());
            assertTrue(malformed.error().contains("not valid JSON"), malformed.error());
            Reply missing = call(s, t, "POST", "/v1/tasks", "{\"name\":\"x\"}");
            assertEquals(400, missing.status());
            assertTrue(missing.error().contains("command"), missing.error());
            Reply blank = call(s, t, "POST", "/v1/tasks", "{\"command\":\"  \",\"name\":\"x\"}");
            assertEquals(400, blank.status());
            assertTrue(blank.error().contains("command must not be empty or blank"), blank.error());
            Reply badKey = call(s, t, "POST", "/v1/tasks", "{\"command\":\"true\",\"name\":\"x\",\"request_key\":\"a b\"}");
            assertEquals(400, badKey.status());
            assertTrue(badKey.error().contains("request_key"), badKey.error());
            Reply badVariable = call(s, t, "POST", "/v1/tasks", "{\"command\":\"true\",\"name\":\"x\",\"environment\":{\"1X\":\"v\"}}");
            assertEquals(400, badVariable.status());
            assertTrue(badVariable.error().contains("'1X'"), badVariable.error());
            Reply noLength = call(s, t, "POST", "/v1/arrays", "{\"command\":\"true\",\"name\":\"x\"}");
            assertEquals(400, noLength.status());
            assertTrue(noLength.error().contains("array_length"), noLength.error());
            Reply huge = call(s, t, "POST", "/v1/tasks", "{\"command\":\"" + "x".repeat(ApiHandler.MAX_BODY_BYTES) + "\",\"name\":\"x\"}");
            assertEquals(413, huge.status());
            assertEquals(404, call(s, t, "GET", "/v1/nothing", null).status());
            Reply never = call(s, t, "GET", "/v1/exit-info/999999", null);
            assertEquals(404, never.status());
            assertTrue(never.error().contains("999999"), never.error());
            assertEquals(404, call(s, t, "GET", "/v1/exit-info/garbage", null).status());
            assertEquals(405, call(s, t, "GET", "/v1/tasks", null).status());
            assertEquals(200, call(s, null, "GET", "/v1/openapi.yaml", null).status());
            Reply noIds = call(s, t, "POST", "/v1/terminate", "{}");
            assertEquals(400, noIds.status());
            long jobs = Hosts.jdbi(s.distributor()).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM job").mapTo(Long.class).one());
            assertEquals(0, jobs, "no bad request journaled anything");
        }
    }

    @Test
    void whileTheServiceIsNotReadyItAnswers503WithRetryAfterButStillServesItsApi() throws Exception {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        ApiHandler api = new ApiHandler("t0k3n", () -> false).route("GET", "/v1/info", (tail, body) -> Map.of())
                .routeAlways("GET", "/v1/openapi.yaml", (tail, body) -> new byte[] {'x'});
        server.createContext("/", api);
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            HttpResponse<String> starting = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/info"))
                    .header("Authorization", "Bearer t0k3n").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, starting.statusCode());
            assertEquals("1", starting.headers().firstValue("Retry-After").orElse(""));
            assertTrue(starting.body().contains("starting"), starting.body());
            HttpResponse<String> spec = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/openapi.yaml")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, spec.statusCode());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aSubmitSentAgainWithItsKeyIsJournaledOnce() throws Exception {
        try (DistributorService s = DistributorService.start(Hosts.builder(journal(), 2).build(), 0)) {
            String t = token();
            String body = JSON.writeValueAsString(Map.of("command", "true", "name", "k", "request_key", "key-1", "client_id", "c1"));
            String first = call(s, t, "POST", "/v1/tasks", body).body().path("distributor_id").asText();
            String again = call(s, t, "POST", "/v1/tasks", body).body().path("distributor_id").asText();
            assertEquals(first, again);
            String array = JSON.writeValueAsString(Map.of("command", "true", "name", "a", "request_key", "key-2", "array_length", 3));
            JsonNode a1 = call(s, t, "POST", "/v1/arrays", array).body().path("distributor_ids");
            JsonNode a2 = call(s, t, "POST", "/v1/arrays", array).body().path("distributor_ids");
            assertEquals(a1, a2);
            assertEquals(3, a1.size());
            long jobs = Hosts.jdbi(s.distributor()).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM job").mapTo(Long.class).one());
            assertEquals(2, jobs);
            await("tasks ended", () -> s.distributor().getSubmittedOrRunning(null).isEmpty());
        }
    }
}
