package dev.multiproc.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.multiproc.service.ServiceFile;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Requests to a journal's service, with its token, through its restarts: a request that finds no service, or one
 * that is starting, is sent again (reading service.json again: the port may have changed) until {@code patience}
 * has passed. Only requests that are safe to send twice come here: submits carry a request key.
 */
final class ServiceConnection {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(5);

    /** The service's answer to a request: its status and its JSON body (null for none). */
    record Answer(int status, JsonNode body) {
        String error() {
            return body != null && body.hasNonNull("error") ? body.get("error").asText() : "status " + status;
        }
    }

    private final Path journalDir;
    private final Duration patience;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private volatile ServiceFile.Entry entry;

    ServiceConnection(Path journalDir, Duration patience) {
        this.journalDir = journalDir.toAbsolutePath().normalize();
        this.patience = patience;
    }

    Path journalDir() {
        return journalDir;
    }

    /** Sends {@code body} (null for a GET) to {@code path} under /v1 and returns the answer, whatever its status but 503. */
    Answer send(String method, String path, Object body) {
        long deadline = System.nanoTime() + patience.toNanos();
        long pauseMs = 20;
        String why;
        while (true) {
            ServiceFile.Entry e = entry();
            if (e != null) {
                try {
                    Answer a = once(e, method, path, body);
                    if (a.status() == 401 && reread(e)) {
                        continue; // a new token: the journal's token file was made again
                    }
                    if (a.status() != 503) {
                        return a;
                    }
                    why = a.error();
                } catch (IOException ex) {
                    why = "cannot reach " + e.url() + ": " + ex;
                    entry = null;
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the service of " + journalDir, ex);
                }
            } else {
                why = "no service runs on the journal (no " + ServiceFile.of(journalDir) + "); start one with: multiproc serve --journal "
                        + journalDir;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the service of journal " + journalDir + " did not answer " + method + " " + path + " within "
                        + patience.toSeconds() + " s: " + why);
            }
            try {
                Thread.sleep(pauseMs);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the service of " + journalDir, ex);
            }
            pauseMs = Math.min(1_000, pauseMs * 2);
        }
    }

    private Answer once(ServiceFile.Entry e, String method, String path, Object body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(e.url() + "/v1" + path)).timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + e.token());
        if (body == null) {
            b.GET();
        } else {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        }
        HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        JsonNode node = null;
        if (r.body().length > 0 && r.headers().firstValue("Content-Type").orElse("").startsWith("application/json")) {
            node = JSON.readTree(r.body());
        }
        return new Answer(r.statusCode(), node);
    }

    private ServiceFile.Entry entry() {
        ServiceFile.Entry e = entry;
        if (e == null) {
            try {
                e = ServiceFile.read(journalDir).orElse(null);
            } catch (IllegalStateException unreadable) {
                e = null; // being replaced: read again on the next try
            }
            entry = e;
        }
        return e;
    }

    /** Reads service.json again; whether it names another token than {@code seen}. */
    private boolean reread(ServiceFile.Entry seen) {
        entry = null;
        ServiceFile.Entry now = entry();
        return now != null && !now.token().equals(seen.token());
    }
}
