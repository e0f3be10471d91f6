package dev.multiproc.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.remote.RemoteDistributor;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The service under clients that misbehave: ones that stall mid-request, ones killed mid-request, and many at once.
 * Nobody waits on them, nothing is half-journaled, and the service's threads end with it.
 */
class ServiceLoadTest extends JournalTest {

    /** A client that sent its headers and part of a submit's body, then went quiet (or, when killed, reset the connection). */
    private Socket halfRequest(DistributorService s, String token) throws Exception {
        java.net.URI uri = java.net.URI.create(s.url());
        Socket socket = new Socket(uri.getHost(), uri.getPort());
        OutputStream out = socket.getOutputStream();
        String body = "{\"command\":\"touch " + tmp + "/half\",\"name\":\"half\"}";
        out.write(("POST /v1/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body.substring(0, body.length() / 2)).getBytes(StandardCharsets.UTF_8));
        out.flush();
        return socket;
    }

    private static long serviceThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("multiproc-service-") && t.isAlive()).count();
    }

    @Test
    void clientsThatStallOrDieMidRequestHoldNobodyUpAndJournalNothing() throws Exception {
        try (DistributorService s = DistributorService.start(Hosts.builder(journal(), 2).build(), 0)) {
            String token = ServiceFile.read(journal()).orElseThrow().token();
            List<Socket> stalled = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                stalled.add(halfRequest(s, token));
            }
            RemoteDistributor d = RemoteDistributor.connect(journal());
            long t0 = System.nanoTime();
            String id = d.submitToBatchDistributor("true", "meanwhile", Map.of());
            // well under the 60 s after which the server drops a stalled request (sun.net.httpserver.maxReqTime): a submit that
            // waited on the stalled clients would take nearly that
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30), "a submit waited on stalled clients");
            for (Socket socket : stalled) {
                socket.setSoLinger(true, 0); // as a killed client's kernel does: a reset, mid-request
                socket.close();
            }
            await("the task ended", () -> d.getSubmittedOrRunning(null).isEmpty());
            assertEquals("Process exited with code 0", d.getRemoteExitInfo(id).message());
            long jobs = Hosts.jdbi(s.distributor()).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM job").mapTo(Long.class).one());
            assertEquals(1, jobs, "a half-sent submit was journaled");
        }
        await("the service's threads ended with it", () -> serviceThreads() == 0);
    }

    /**
     * A service that stops lets the request under way finish and be answered, and answers what arrives meanwhile 503;
     * it does not wait longer when none is under way (Java 17's server, stopped with a delay, waited all of it).
     */
    @Test
    void aStoppingServiceAnswersTheRequestUnderWayBeforeItClosesItsConnection() throws Exception {
        String id;
        try (DistributorService s = DistributorService.start(Hosts.builder(journal(), 2).build(), 0)) {
            String token = ServiceFile.read(journal()).orElseThrow().token();
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.net.http.HttpRequest info = java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.url() + "/v1/info"))
                    .header("Authorization", "Bearer " + token).build();
            assertEquals(200, http.send(info, java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode());
            try (Socket half = halfRequest(s, token)) {
                await("the half-sent request is being answered", () -> s.answering() == 1);
                java.util.concurrent.CompletableFuture<Void> closing = java.util.concurrent.CompletableFuture.runAsync(s::close);
                await("the service answers 503 as it stops, or has stopped", () -> {
                    if (closing.isDone()) {
                        return true;
                    }
                    try {
                        return http.send(info, java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode() == 503;
                    } catch (java.io.IOException e) {
                        return false;
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                assertFalse(closing.isDone(), "the service closed with a request under way");
                String body = "{\"command\":\"touch " + tmp + "/half\",\"name\":\"half\"}";
                half.getOutputStream().write(body.substring(body.length() / 2).getBytes(StandardCharsets.UTF_8));
                half.getOutputStream().flush();
                String answer = new String(half.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"distributor_id\"\\s*:\\s*\"([^\"]+)\"").matcher(answer);
                assertTrue(m.find(), answer);
                id = m.group(1);
                closing.get(30, TimeUnit.SECONDS);
            }
        }
        try (var d = Hosts.open(journal(), 1)) {
            assertEquals(1L, (long) Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM task WHERE task_id = :id")
                    .bind("id", id).mapTo(Long.class).one()), "the answered submit is in the journal");
        }
    }

    @Test
    @Tag("slow")
    void sixtyFourClientsForAMinuteLoseNothingAndLeakNoThread() throws Exception {
        int clients = 64;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        ConcurrentLinkedQueue<String> submitted = new ConcurrentLinkedQueue<>();
        try (DistributorService s = DistributorService.start(Hosts.builder(journal(), 4).build(), 0)) {
            String token = ServiceFile.read(journal()).orElseThrow().token();
            ExecutorService pool = Executors.newFixedThreadPool(clients + 1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                results.add(pool.submit(() -> {
                    RemoteDistributor d = RemoteDistributor.connect(journal());
                    List<String> mine = new ArrayList<>();
                    int calls = 0;
                    while (System.nanoTime() < until) {
                        if (mine.size() >= 8) { // a client waits for its own tasks, as a workflow host does: no endless backlog
                            Thread.sleep(5);
                            mine.retainAll(d.getSubmittedOrRunning(mine));
                            calls++;
                            continue;
                        }
                        String id = client % 4 == 0 ? d.submitArrayToBatchDistributor("exit 0", "array", Map.of(), 5).get(4)
                                : d.submitToBatchDistributor("exit 0", "single", Map.of());
                        mine.add(id);
                        Set<String> active = d.getSubmittedOrRunning(mine);
                        for (String done : new ArrayList<>(mine)) {
                            if (!active.contains(done)) {
                                RemoteExitInfo info = d.getRemoteExitInfo(done);
                                assertEquals("Process exited with code 0", info.message());
                                mine.remove(done);
                            }
                        }
                        calls += 3;
                        submitted.add(id);
                    }
                    d.close();
                    return calls;
                }));
            }
            results.add(pool.submit(() -> { // misbehaving clients all along
                int n = 0;
                while (System.nanoTime() < until) {
                    Socket socket = halfRequest(s, token);
                    socket.setSoLinger(true, 0);
                    socket.close();
                    n++;
                }
                return n;
            }));
            int calls = 0;
            for (Future<Integer> f : results) {
                calls += f.get(5, TimeUnit.MINUTES);
            }
            pool.shutdown();
            assertTrue(calls > clients, "the clients made " + calls + " calls");
            org.awaitility.Awaitility.await("every task ended").atMost(java.time.Duration.ofMinutes(5))
                    .until(() -> s.distributor().getSubmittedOrRunning(null).isEmpty());
            s.distributor().engine().flushJournal(); // the last ends may still be on their way to the journal
            long tasks = Hosts.jdbi(s.distributor()).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM task").mapTo(Long.class).one());
            long expected = submitted.stream().mapToLong(id -> id.contains("_") ? 5 : 1).sum();
            assertEquals(expected, tasks, "every submitted task was journaled, and nothing else");
            List<String> notDone = Hosts.jdbi(s.distributor()).withHandle(h -> h.createQuery(
                    "SELECT CONCAT(task_id, ' ', state, ' ', COALESCE(message, '')) FROM task WHERE state <> 'DONE'").mapTo(String.class).list());
            assertEquals(List.of(), notDone, "every task ended well");
            assertTrue(serviceThreads() <= DistributorService.THREADS, serviceThreads() + " threads");
        }
        await("the service's threads ended with it", () -> serviceThreads() == 0);
    }
}
