package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.cluster.TaskInstanceStatus;
import dev.multiproc.testing.Cli;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A journal that grew with history it has since deleted is compacted down to its live data while its host
 * runs and when it stops. Growing a journal past the real limits (8 and 64 MiB) takes minutes: the slow
 * tier; {@code journal.JournalFileCompactionTest} covers the compaction with small limits in the default one.
 */
@Tag("slow")
class JournalCompactionTest extends JournalTest {

    @Test
    void aLargeJournalShrinksToItsLiveDataWhenItsHostStops() throws Exception {
        Path file = journal().resolve("journal.mv.db");
        String last;
        long grown;
        long kept;
        try (MultiprocessDistributor d = Hosts.builder(journal(), 2).historyMaxTasks(1_000).build()) {
            // never started: the arrays stay queued until terminated, so no process runs
            List<String> ids = new ArrayList<>();
            do {
                ids.clear();
                ids.addAll(d.submitArrayToBatchDistributor("true", "bulk", Map.of(), 50_000).values());
                d.terminateTaskInstances(ids);
                d.engine().flushJournal();
                d.engine().pruneHistory();
                d.engine().flushJournal();
            } while (Files.size(file) < 24L << 20);
            grown = Files.size(file);
            last = ids.get(ids.size() - 1);
            kept = taskRows(d);
        }
        long compacted = Files.size(file);
        System.out.printf("JournalCompactionTest: %d MiB while open, %d KiB after stop%n", grown >> 20, compacted >> 10);
        assertTrue(compacted < grown / 4, "journal " + (grown >> 20) + " MiB while open, " + (compacted >> 20) + " MiB after stop");
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            assertEquals(TaskInstanceStatus.UNKNOWN_ERROR, d.getRemoteExitInfo(last).status(), "the kept history survives compaction");
            assertEquals(kept, taskRows(d));
        }
    }

    @Test
    void aJournalThatKeepsGrowingIsCompactedWhileItsHostRuns() throws Exception {
        Path file = journal().resolve("journal.mv.db");
        try (MultiprocessDistributor d = Hosts.builder(journal(), 2).historyMaxTasks(1_000).journalServer(true).build()) {
            long largest = 0;
            String last = null;
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(180);
            // queued, then terminated and pruned: the journal's rows stay few while its file grows, until it is compacted
            while (Hosts.database(d).compactionsWhileOpen() < 2) {
                assertTrue(System.nanoTime() < deadline, "no compaction while open: the file reached " + (largest >> 20) + " MiB");
                List<String> ids = new ArrayList<>(d.submitArrayToBatchDistributor("true", "bulk", Map.of(), 50_000).values());
                d.terminateTaskInstances(ids);
                d.engine().flushJournal();
                d.engine().pruneHistory();
                d.engine().flushJournal();
                last = ids.get(ids.size() - 1);
                largest = Math.max(largest, Files.size(file));
            }
            System.out.printf("JournalCompactionTest: compacted twice while open; the file was %d MiB at most%n", largest >> 20);
            // compacted when over 64 MiB, checked every second: it stays near that, while twice that much was written
            assertTrue(largest < 150L << 20, "the file reached " + (largest >> 20) + " MiB");
            // the compacted journal serves the API as before, and its server the command line; tasks run and are journaled
            assertEquals(TaskInstanceStatus.UNKNOWN_ERROR, d.getRemoteExitInfo(last).status());
            Cli.Result sql = Cli.run(tmp, "sql", "--journal", journal().toString(), "SELECT COUNT(*) AS n FROM task_history");
            assertEquals(0, sql.exit(), sql.toString());
            assertTrue(sql.out().contains(Long.toString(taskRows(d))), sql.toString());
            d.start();
            String ran = d.submitToBatchDistributor("exit 3", "after", Map.of());
            assertTrue(d.engine().awaitIdle(java.time.Duration.ofSeconds(30)));
            d.engine().flushJournal();
            assertEquals("3", Hosts.jdbi(d).withHandle(h -> h.createQuery(
                    "SELECT CAST(exit_code AS VARCHAR) FROM task WHERE task_id = :id").bind("id", ran).mapTo(String.class).one()));
        }
    }

    private static long taskRows(MultiprocessDistributor d) {
        return Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM task").mapTo(Long.class).one());
    }
}
