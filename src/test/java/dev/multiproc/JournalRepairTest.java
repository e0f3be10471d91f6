package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.cluster.TaskInstanceStatus;
import dev.multiproc.journal.RepairReport;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A journal whose database file lost commits, or that H2 cannot open, is never refused: it comes back
 * whole from the redo log when the log holds what is missing, and is otherwise rebuilt from what
 * survives; the damaged files are kept, and the repair is in the {@code journal_repairs} view.
 */
class JournalRepairTest extends JournalTest {

    private Path database() {
        return journal().resolve("journal.mv.db");
    }

    /** Runs tasks that end with exit codes 0, 1, 2, ...; returns their ids. */
    private static List<String> runSome(MultiprocessDistributor d, int n) throws InterruptedException {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(d.submitToBatchDistributor("exit " + (i % 4), "task " + i, Map.of()));
        }
        assertTrue(d.engine().awaitIdle(Duration.ofSeconds(60)));
        d.engine().flushJournal();
        return ids;
    }

    private static void assertExitCodes(MultiprocessDistributor d, List<String> ids) throws Exception {
        for (int i = 0; i < ids.size(); i++) {
            assertEquals("Process exited with code " + (i % 4), d.getRemoteExitInfo(ids.get(i)).message(), "task " + ids.get(i));
        }
    }

    private Path onlyEvidence() throws Exception {
        try (Stream<Path> dirs = Files.list(journal().resolve("damaged"))) {
            List<Path> all = dirs.toList();
            assertEquals(1, all.size(), all.toString());
            return all.get(0);
        }
    }

    private static Map<String, Object> repairRow(MultiprocessDistributor d) {
        return Hosts.jdbi(d).withHandle(h -> h.createQuery(
                "SELECT kind, nothing_lost, found_generation, committed_generation, result_generation, evidence FROM journal_repairs")
                .mapToMap().one());
    }

    @Test
    void aJournalThatLostItsLatestCommitsIsPutBackFromTheRedoLogWithNothingMissing() throws Exception {
        Path older = tmp.resolve("older.mv.db");
        List<String> before;
        List<String> after;
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            before = runSome(d, 6);
            Files.copy(database(), older); // what the file holds now, as H2 would fall back to it
            after = runSome(d, 10);
        }
        Files.copy(older, database(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        byte[] damaged = Files.readAllBytes(database());
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            RepairReport r = d.engine().journal().repairAtOpen().orElseThrow();
            assertEquals(RepairReport.Kind.REPLAYED, r.kind(), r.details());
            assertTrue(r.foundGeneration() < r.committedGeneration(), r.toString());
            assertEquals(r.committedGeneration(), r.resultGeneration(), r.toString());
            assertExitCodes(d, before);
            assertExitCodes(d, after);
            Map<String, Object> row = repairRow(d);
            assertEquals("REPLAYED", row.get("kind"));
            assertEquals(Boolean.TRUE, row.get("nothing_lost"));
            assertArrayEquals(damaged, Files.readAllBytes(onlyEvidence().resolve("journal.mv.db")), "the evidence is the file as found");
            assertTrue(Files.readString(onlyEvidence().resolve("REPAIR.txt")).contains("Applied the redo log's records"));
            String next = d.submitToBatchDistributor("true", "next", Map.of());
            assertTrue(Long.parseLong(next) > Long.parseLong(after.get(after.size() - 1)), "ids are never reused: " + next);
        }
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            assertTrue(d.engine().journal().repairAtOpen().isEmpty(), "a repaired journal opens as intact");
        }
    }

    @Test
    void aTruncatedJournalIsRebuiltFromTheRedoLogAndItsEvidenceKept() throws Exception {
        List<String> lastSession;
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            runSome(d, 4);
        }
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            lastSession = runSome(d, 8);
        }
        try (RandomAccessFile f = new RandomAccessFile(database().toFile(), "rw")) {
            f.setLength(100);
        }
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            RepairReport r = d.engine().journal().repairAtOpen().orElseThrow();
            assertEquals(RepairReport.Kind.REBUILT, r.kind(), r.details());
            assertEquals(-1, r.foundGeneration());
            assertExitCodes(d, lastSession); // what the redo log held since the last checkpoint
            assertEquals(Boolean.FALSE, repairRow(d).get("nothing_lost"));
            assertEquals(100, Files.size(onlyEvidence().resolve("journal.mv.db")));
            d.start();
            String next = d.submitToBatchDistributor("exit 3", "after the rebuild", Map.of());
            assertTrue(Long.parseLong(next) > Long.parseLong(lastSession.get(lastSession.size() - 1)), "ids are never reused: " + next);
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)));
            assertEquals("Process exited with code 3", d.getRemoteExitInfo(next).message());
        }
    }

    /** The redo log of a journal's first session holds its whole life: a file garbled then loses nothing. */
    @Test
    void aGarbledOrEmptiedJournalIsRebuiltNotRefused() throws Exception {
        List<String> ids;
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            ids = runSome(d, 5);
        }
        byte[] garbled = Files.readAllBytes(database());
        for (int i = 0; i < 8192 && i < garbled.length; i++) {
            garbled[i] = (byte) (i * 31);
        }
        Files.write(database(), garbled);
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            RepairReport r = d.engine().journal().repairAtOpen().orElseThrow();
            assertEquals(RepairReport.Kind.REPLAYED, r.kind(), r.details());
            assertTrue(r.details().contains("No state of the file could be opened"), r.details());
            assertExitCodes(d, ids);
        }
        Files.write(database(), new byte[0]);
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            RepairReport r = d.engine().journal().repairAtOpen().orElseThrow();
            assertEquals(RepairReport.Kind.REBUILT, r.kind(), r.details());
            assertTrue(r.details().contains("missing or empty"), r.details());
        }
    }

    /**
     * A task that ran and ended in commits the rebuild could not find, and whose state file went with
     * its end, may not run again: the rebuilt journal cannot know it ran, so it is reported lost.
     */
    @Test
    void aTaskWhoseEndWasInTheLostCommitsIsReportedLostNotRunTwice() throws Exception {
        Path runs = tmp.resolve("runs.txt");
        Path older = tmp.resolve("older.mv.db");
        String id;
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            id = d.submitToBatchDistributor("echo ran >> " + runs, "once", Map.of());
            d.engine().flushJournal();
            Files.copy(database(), older); // the task queued, not started
            d.start();
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)));
        }
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start(); // a later session: the redo log now starts after the task's end
        }
        Files.copy(older, database(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            assertEquals(RepairReport.Kind.REBUILT, d.engine().journal().repairAtOpen().orElseThrow().kind());
            d.start();
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)));
            var info = d.getRemoteExitInfo(id);
            assertEquals(TaskInstanceStatus.UNKNOWN_ERROR, info.status());
            assertTrue(info.message().contains("the journal was rebuilt"), info.message());
        }
        assertEquals(List.of("ran"), Files.readAllLines(runs), "the task ran once");
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            assertFalse(d.engine().journal().repairAtOpen().isPresent());
        }
    }

    /** Found by JournalChaosTest: a first host killed while it wrote the credentials left a journal no host could open. */
    @Test
    void aHostKilledWhileItCreatedTheCredentialsLeavesAJournalThatOpens() throws Exception {
        Files.createDirectories(journal());
        Files.write(journal().resolve("credentials"), "#multiproc journal credentials\nowner.password=abc\n".getBytes());
        try (MultiprocessDistributor d = Hosts.open(journal(), 1)) {
            d.start();
            assertExitCodes(d, runSome(d, 2));
        }
        try (MultiprocessDistributor d = Hosts.open(journal(), 1)) {
            assertTrue(d.engine().journal().repairAtOpen().isEmpty());
        }
    }
}
