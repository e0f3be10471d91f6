package dev.multiproc.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.multiproc.journal.JournalException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of every request: the token, the method, a bounded JSON body, the answer as JSON, and each failure as
 * {@code {"error": "..."}} with its status. The routes themselves only see parsed bodies and return what to answer.
 */
final class ApiHandler implements HttpHandler {
    private static final Logger log = LoggerFactory.getLogger(ApiHandler.class);
    static final int MAX_BODY_BYTES = 4 << 20;
    private static final long DRAINED_BYTES = 64L << 20;
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** One endpoint: answers a request (its path's tail and its body) with an object to send as JSON, or null for 204. */
    interface Route {
        Object answer(String tail, byte[] body) throws Exception;
    }

    private record Endpoint(String method, String path, boolean prefix, boolean whileStarting, Route route) {
    }

    private final byte[] token;
    private final BooleanSupplier ready;
    private final Map<String, Endpoint> exact = new LinkedHashMap<>();
    private final Map<String, Endpoint> prefixes = new LinkedHashMap<>();

    ApiHandler(String token, BooleanSupplier ready) {
        this.token = token.getBytes(StandardCharsets.US_ASCII);
        this.ready = ready;
    }

    ApiHandler route(String method, String path, Route route) {
        exact.put(path, new Endpoint(method, path, false, false, route));
        return this;
    }

    /** A route for every path under {@code prefix}: its tail (the rest of the path) goes to the route. */
    ApiHandler routeUnder(String method, String prefix, Route route) {
        prefixes.put(prefix, new Endpoint(method, prefix, true, false, route));
        return this;
    }

    /** A route that answers while the service is starting too. */
    ApiHandler routeAlways(String method, String path, Route route) {
        exact.put(path, new Endpoint(method, path, false, true, route));
        return this;
    }

    static <T> T parse(byte[] body, Class<T> type) {
        if (body.length == 0) {
            throw new ApiException(400, "the request has no body; send a JSON object");
        }
        try {
            T value = JSON.readValue(body, type);
            if (value == null) {
                throw new ApiException(400, "the body is null; send a JSON object");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            throw new ApiException(400, "unknown field '" + e.getPropertyName() + "'; known fields: " + e.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", ")));
        } catch (JsonMappingException e) {
            String field = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining("."));
            throw new ApiException(400, (field.isEmpty() ? "the body" : "field '" + field + "'") + " is not valid: " + oneLine(e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            throw new ApiException(400, "the body is not valid JSON: " + oneLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ApiException(400, "the body cannot be read: " + e.getMessage());
        }
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            String path = exchange.getRequestURI().getRawPath();
            Endpoint e = find(path);
            try {
                if (e == null || !e.path.equals("/v1/openapi.yaml")) {
                    checkToken(exchange);
                }
                if (e == null) {
                    throw new ApiException(404, "no such endpoint: " + path);
                }
                if (!e.method.equals(exchange.getRequestMethod())) {
                    exchange.getResponseHeaders().set("Allow", e.method);
                    throw new ApiException(405, "method " + exchange.getRequestMethod() + " is not allowed on " + e.path + "; use " + e.method);
                }
                if (!e.whileStarting && !ready.getAsBoolean()) {
                    exchange.getResponseHeaders().set("Retry-After", "1");
                    throw new ApiException(503, "the service is starting (recovering the journal) or stopping; try again shortly");
                }
                byte[] body = e.method.equals("GET") ? new byte[0] : body(exchange);
                Object answer = e.route.answer(e.prefix ? path.substring(e.path.length()) : "", body);
                if (answer == null) {
                    exchange.sendResponseHeaders(204, -1);
                } else if (answer instanceof byte[] raw) {
                    send(exchange, 200, "application/yaml", raw);
                } else {
                    send(exchange, 200, "application/json", JSON.writeValueAsBytes(answer));
                }
            } catch (ApiException ex) {
                error(exchange, ex.status(), ex.getMessage());
            } catch (IllegalArgumentException ex) {
                error(exchange, 400, oneLine(ex.getMessage()));
            } catch (JournalException ex) {
                boolean held = ex.getMessage() != null && ex.getMessage().contains("held by");
                error(exchange, held ? 409 : 503, oneLine(ex.getMessage()));
            } catch (IllegalStateException ex) {
                error(exchange, 503, oneLine(ex.getMessage()));
            } catch (IOException ex) {
                throw ex; // the client went away: nothing to answer
            } catch (Exception ex) {
                log.warn("{} {} failed", exchange.getRequestMethod(), path, ex);
                error(exchange, 500, "internal error: " + oneLine(String.valueOf(ex)));
            }
        }
    }

    private Endpoint find(String path) {
        Endpoint e = exact.get(path);
        if (e != null) {
            return e;
        }
        for (Endpoint p : prefixes.values()) {
            if (path.startsWith(p.path) && path.length() > p.path.length()) {
                return p;
            }
        }
        return null;
    }

    private void checkToken(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        byte[] given = header != null && header.startsWith("Bearer ") ? header.substring(7).trim().getBytes(StandardCharsets.US_ASCII)
                : new byte[0];
        if (!MessageDigest.isEqual(given, token)) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            throw new ApiException(401, "missing or wrong token: send 'Authorization: Bearer TOKEN' with the token of the journal's "
                    + ServiceFile.NAME);
        }
    }

    private static byte[] body(HttpExchange exchange) throws IOException {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > MAX_BODY_BYTES) {
                    throw tooLarge(exchange);
                }
            } catch (NumberFormatException e) {
                throw new ApiException(400, "Content-Length is not a number: " + length);
            }
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                throw tooLarge(exchange);
            }
            return body;
        }
    }

    /**
     * The error for a body over the limit. A client still sending reads no answer from a connection closed under it, so a
     * body up to {@link #DRAINED_BYTES} is read to its end and thrown away first; a larger one just loses its connection.
     */
    private static ApiException tooLarge(HttpExchange exchange) {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] sink = new byte[64 << 10];
            long left = DRAINED_BYTES; // read, not skip: the JDK's skip passes the body's end into the connection
            for (int n; left > 0 && (n = in.read(sink)) > 0; ) {
                left -= n;
            }
        } catch (IOException e) {
            // the client went away
        }
        return new ApiException(413, "the body is larger than " + (MAX_BODY_BYTES >> 20) + " MiB; submit less at once");
    }

    private static void error(HttpExchange exchange, int status, String message) throws IOException {
        send(exchange, status, "application/json", JSON.writeValueAsBytes(Map.of("error", message == null ? "" : message)));
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type + (type.equals("application/json") ? "; charset=utf-8" : ""));
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        String line = s.replaceAll("\\s*\\R\\s*", " ").trim();
        return line.length() > 500 ? line.substring(0, 500) + "..." : line;
    }
}
