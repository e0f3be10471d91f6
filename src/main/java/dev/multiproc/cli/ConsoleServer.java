package dev.multiproc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.multiproc.journal.JournalDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's HTTP server: the JDK's, on 127.0.0.1 and a free port, answering only requests that {@link ConsoleAuth}
 * allows: {@code GET /} (the page) and {@code POST /query} (JSON in, JSON out). Its address with the token is in a
 * 0600 file in the journal directory while it runs.
 */
final class ConsoleServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConsoleServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY_BYTES = 64 * 1024;
    private static final int THREADS = 2;

    private final HttpServer server;
    private final ExecutorService workers;
    private final JournalAccess access;
    private final ConsoleAuth auth;
    private final ConsolePage page;
    private final String url;
    private final Path tokenFile;
    private boolean closed;

    private ConsoleServer(HttpServer server, ExecutorService workers, JournalAccess access, String token) throws IOException {
        this.server = server;
        this.workers = workers;
        this.access = access;
        int port = server.getAddress().getPort();
        this.auth = new ConsoleAuth(token, port);
        this.page = ConsolePage.forJournal(access.directory().root().toString());
        this.url = "http://127.0.0.1:" + port + "/?token=" + token;
        this.tokenFile = access.directory().consoleFile(ProcessHandle.current().pid());
        writePrivately(tokenFile, url + "\n");
    }

    /** Listens on 127.0.0.1 and a free port for the journal of {@code access}, with a fresh token. */
    static ConsoleServer start(JournalAccess access) throws IOException {
        removeStaleTokenFiles(access.directory());
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        HttpServer server = HttpServer.create(new InetSocketAddress(loopback, 0), 16);
        AtomicInteger n = new AtomicInteger();
        ExecutorService workers = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "multiproc-console-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        ConsoleServer console;
        try {
            console = new ConsoleServer(server, workers, access, ConsoleAuth.freshToken());
        } catch (IOException | RuntimeException e) {
            server.stop(0); // bound already, though not started
            workers.shutdownNow();
            throw e;
        }
        server.setExecutor(workers);
        server.createContext("/", console::handle);
        server.start();
        return console;
    }

    /** The address to open, token included. */
    String url() {
        return url;
    }

    Path tokenFile() {
        return tokenFile;
    }

    /** Stops listening and removes the token file; idempotent, and safe from a shutdown hook. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.stop(0);
        workers.shutdownNow();
        try {
            Files.deleteIfExists(tokenFile);
        } catch (IOException e) {
            log.warn("cannot remove the console's token file {}: {}", tokenFile, e.toString());
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
            exchange.getResponseHeaders().set("X-Frame-Options", "DENY");
            if (!auth.allows(exchange)) {
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (path.equals("/") && method.equals("GET")) {
                exchange.getResponseHeaders().set("Content-Security-Policy", page.contentSecurityPolicy());
                send(exchange, 200, "text/html; charset=utf-8", page.html().getBytes(StandardCharsets.UTF_8));
            } else if (path.equals("/query") && method.equals("POST")) {
                query(exchange);
            } else if (path.equals("/") || path.equals("/query")) {
                sendJson(exchange, 405, Map.of("error", "method " + method + " is not allowed here"));
            } else {
                sendJson(exchange, 404, Map.of("error", "no such page: " + path));
            }
        }
    }

    private void query(HttpExchange exchange) throws IOException {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            sendJson(exchange, 415, Map.of("error", "send the query as JSON: {\"sql\": \"SELECT ...\"}"));
            return;
        }
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (body.length > MAX_BODY_BYTES) {
            sendJson(exchange, 413, Map.of("error", "the query is longer than " + MAX_BODY_BYTES / 1024 + " KiB"));
            return;
        }
        JsonNode sql;
        try {
            sql = JSON.readTree(body).path("sql");
        } catch (IOException e) {
            sendJson(exchange, 400, Map.of("error", "the request is not JSON: {\"sql\": \"SELECT ...\"}"));
            return;
        }
        if (!sql.isTextual()) {
            sendJson(exchange, 400, Map.of("error", "the request has no \"sql\" text: {\"sql\": \"SELECT ...\"}"));
            return;
        }
        ConsoleQuery.Result result;
        try {
            result = ConsoleQuery.run(access, sql.asText());
        } catch (IllegalArgumentException | IllegalStateException e) {
            sendJson(exchange, 400, Map.of("error", Errors.describe(e)));
            return;
        } catch (RuntimeException e) {
            log.debug("console query failed", e);
            sendJson(exchange, 500, Map.of("error", "the console failed: " + Errors.describe(e)));
            return;
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("columns", result.columns());
        answer.put("rows", result.rows());
        answer.put("truncated", result.truncated());
        answer.put("row_limit", ConsoleQuery.ROW_LIMIT);
        answer.put("elapsed_ms", result.elapsedMillis());
        sendJson(exchange, 200, answer);
    }

    private static void sendJson(HttpExchange exchange, int status, Object body) throws IOException {
        send(exchange, status, "application/json; charset=utf-8", JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Created 0600 before anything is written, never over an existing file or link. */
    private static void writePrivately(Path file, String text) throws IOException {
        Files.deleteIfExists(file); // ours: a file named for this process is from a dead one that had its pid
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** Token files of consoles that were killed before they could remove them. */
    private static void removeStaleTokenFiles(JournalDirectory dir) {
        try (var files = Files.list(dir.root())) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (name.matches(JournalDirectory.CONSOLE_FILE_PREFIX + "\\d+")
                        && ProcessHandle.of(Long.parseLong(name.substring(JournalDirectory.CONSOLE_FILE_PREFIX.length()))).isEmpty()) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException | NumberFormatException e) {
            log.debug("cannot look for stale console token files in {}: {}", dir.root(), e.toString());
        }
    }
}
