package dev.multiproc.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.remote.RemoteDistributor;
import dev.multiproc.testing.Cli;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What a service's client does beyond the protocol: its own stop, its tasks' environment, waiting through a restart. */
@Tag("slow") // JVMs of seconds each; CI runs the slow tier too (the default tier stays under 90 s)
class RemoteClientTest extends JournalTest {

    @Test
    void stopEndsOnlyTheTasksOfThatClientAndCloseEndsNone() throws Exception {
        try (DistributorService s = DistributorService.start(Hosts.builder(journal(), 4).build(), 0)) {
            RemoteDistributor mine = RemoteDistributor.connect(journal());
            RemoteDistributor other = RemoteDistributor.connect(journal());
            assertNotEquals(mine.clientId(), other.clientId());
            Map<Integer, String> myArray = mine.submitArrayToBatchDistributor("sleep 300", "mine", Map.of(), 2);
            String myQueued = mine.submitToBatchDistributor("sleep 300", "mine-queued", Map.of());
            String theirs = other.submitToBatchDistributor("sleep 300", "theirs", Map.of());
            mine.stop();
            await("only the other client's task is left", () -> other.getSubmittedOrRunning(null).equals(Set.of(theirs)));
            assertTrue(other.getRemoteExitInfo(myQueued).message().startsWith("terminated by request"));
            assertTrue(other.getRemoteExitInfo(myArray.get(1)).message().startsWith("terminated by request"));
            other.close();
            RemoteDistributor third = RemoteDistributor.connect(journal());
            assertEquals(Set.of(theirs), third.getSubmittedOrRunning(null), "close() of a client ends nothing");
            third.terminateTaskInstances(List.of(theirs));
            await("all ended", () -> third.getSubmittedOrRunning(null).isEmpty());
        }
    }

    @Test
    void theEnvironmentReachesTheTaskAndNoReaderOfTheJournal() throws Exception {
        String secret = "s3cr3t-" + System.nanoTime();
        try (DistributorService s = DistributorService.start(Hosts.builder(journal(), 2).journalServer(true).build(), 0)) {
            RemoteDistributor d = RemoteDistributor.connect(journal(), Duration.ofMinutes(1), Map.of("JOBMON__HTTP__SERVICE_URL", secret));
            String id = d.submitToBatchDistributor("echo \"$JOBMON__HTTP__SERVICE_URL $JOB_ID\" > " + tmp + "/env", "env", Map.of());
            await("the task ended", () -> d.getSubmittedOrRunning(null).isEmpty());
            assertEquals(secret + " " + id, Files.readString(tmp.resolve("env")).trim());
            Cli.Result sql = Cli.run(tmp, "sql", "--journal", journal().toString(), "SELECT * FROM job_environment");
            assertNotEquals(0, sql.exit(), sql.toString());
            assertFalse(sql.out().contains(secret) || sql.err().contains(secret), sql.toString());
            Cli.Result history = Cli.run(tmp, "history", "--journal", journal().toString());
            assertEquals(0, history.exit(), history.toString());
            assertTrue(history.out().contains(id), history.toString());
            assertFalse(history.out().contains(secret), history.toString());
            Cli.Result jobs = Cli.run(tmp, "sql", "--journal", journal().toString(), "SELECT * FROM job");
            assertEquals(0, jobs.exit(), jobs.toString());
            assertFalse(jobs.out().contains(secret), jobs.toString());
        }
    }

    @Test
    void aClientWaitsThroughARestartOfTheServiceAndItsTasksAreReattached() throws Exception {
        DistributorService first = DistributorService.start(Hosts.builder(journal(), 2).build(), 0);
        RemoteDistributor d = RemoteDistributor.connect(journal());
        // it ends only when told, after the restart: a loaded machine cannot make it end while no service is there
        java.nio.file.Path gate = tmp.resolve("gate");
        String running = d.submitToBatchDistributor("while [ ! -e '" + gate + "' ]; do sleep 0.05; done; exit 4", "outlives", Map.of());
        await("it runs", () -> Hosts.jdbi(first.distributor()).withHandle(h -> h.createQuery(
                "SELECT state FROM task WHERE task_id = :id").bind("id", running).mapTo(String.class).one()).equals("RUNNING"));
        first.close();
        CompletableFuture<Set<String>> polled = CompletableFuture.supplyAsync(() -> d.getSubmittedOrRunning(List.of(running)));
        CompletableFuture<Void> restarted = CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS));
        restarted.join();
        assertFalse(polled.isDone(), "the poll waits for the service");
        MultiprocessDistributor again = Hosts.builder(journal(), 2).build();
        try (DistributorService second = DistributorService.start(again, 0)) {
            Set<String> active = polled.get(60, TimeUnit.SECONDS);
            assertEquals(Set.of(running), active);
            java.nio.file.Files.createFile(gate);
            await("the reattached task ended", () -> d.getSubmittedOrRunning(null).isEmpty());
            assertEquals("Process exited with code 4", d.getRemoteExitInfo(running).message());
            assertEquals(1, again.engine().recovery().orElseThrow().reattached());
        }
    }
}
