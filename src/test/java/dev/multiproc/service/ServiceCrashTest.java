package dev.multiproc.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.remote.RemoteDistributor;
import dev.multiproc.testing.Cli;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code multiproc serve} in a JVM of its own, SIGKILLed at random moments while a client submits without pause, and
 * started again: every submit call returns once, with an id the journal holds, every journaled submission is one call
 * (a call whose answer the kill lost is sent again with its key and gets the first one's id), and every task runs once.
 */
class ServiceCrashTest extends JournalTest {
    private Process running;

    @Test
    @Tag("slow")
    void aServiceKilledAgainAndAgainJournalsEachCallOnceAndRunsEachTaskOnce() throws Exception {
        killWhileSubmitting(10, 2_500);
    }

    private void killWhileSubmitting(int kills, int maxMillis) throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Path ledger = tmp.resolve("ledger");
        Process service = serve();
        RemoteDistributor client = RemoteDistributor.connect(journal(), Duration.ofMinutes(2), Map.of());
        List<String> ids = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread submitter = new Thread(() -> {
            try {
                while (!stop.get()) {
                    if (random.nextBoolean()) {
                        ids.add(client.submitToBatchDistributor("echo $JOB_ID >> " + ledger, "crash", Map.of()));
                    } else {
                        ids.addAll(client.submitArrayToBatchDistributor("echo ${JOB_ID}_$ARRAY_STEP_ID >> " + ledger, "crash", Map.of(), 3)
                                .values());
                    }
                }
            } catch (Throwable t) {
                failed.set(t);
            }
        }, "submitter");
        submitter.start();
        try {
            for (int k = 0; k < kills; k++) {
                int before = ids.size();
                await("submits answered before kill " + k + " (seed " + seed + ")", () -> ids.size() > before || failed.get() != null);
                Thread.sleep(random.nextInt(maxMillis)); // a random moment of the load: what the test is about, not a wait for a state
                service.destroyForcibly();
                assertTrue(service.waitFor(30, TimeUnit.SECONDS));
                service = serve();
            }
            int before = ids.size();
            await("submits answered after the last restart (seed " + seed + ")", () -> ids.size() > before || failed.get() != null);
        } finally {
            stop.set(true);
            submitter.join(TimeUnit.MINUTES.toMillis(3));
        }
        assertEquals(null, failed.get(), "a submit call failed (seed " + seed + ")");
        await("every task ended", () -> client.getSubmittedOrRunning(null).isEmpty());
        client.close();
        service.destroy(); // SIGTERM: a clean stop
        assertEquals(0, service.waitFor(), "the service stopped cleanly: " + Cli.err(tmp, service));
        List<String> ran = Files.exists(ledger) ? Files.readAllLines(ledger) : List.of();
        try (MultiprocessDistributor d = Hosts.open(journal(), 1)) {
            List<String> journaled = Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT task_id FROM task ORDER BY task_id")
                    .mapTo(String.class).list());
            long requests = Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT COUNT(DISTINCT request_key) FROM job").mapTo(Long.class).one());
            long jobs = Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM job").mapTo(Long.class).one());
            assertEquals(new HashSet<>(ids).size(), ids.size(), "an id was answered to two calls (seed " + seed + ")");
            assertEquals(new HashSet<>(ids), new HashSet<>(journaled), "the journal holds exactly the answered ids (seed " + seed + ")");
            assertEquals(jobs, requests, "every journaled submission carries its call's key");
            assertEquals(new HashSet<>(ran).size(), ran.size(), "a task ran twice (seed " + seed + ")");
            assertEquals(new HashSet<>(ids), new HashSet<>(ran), "every task ran (seed " + seed + ")");
        }
    }

    private Process serve() throws Exception {
        running = Cli.start(tmp, "serve", "--journal", journal().toString(), "-j", "4");
        return running;
    }

    /** A test that failed half-way leaves no service behind (it runs before JournalTest looks for leftovers). */
    @AfterEach
    void stopTheService() throws InterruptedException {
        if (running != null && running.isAlive()) {
            running.destroyForcibly();
            running.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
