package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.journal.RepairReport;
import dev.multiproc.testing.Cli;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import dev.multiproc.testing.Tmpfs;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * After a host was killed, the journal's file can hold fewer commits than had returned; the redo log and the
 * generation file hold the rest, and the next host puts them back. The readers, which run with no host and may not
 * write the journal, show what was committed all the same, or say that they cannot.
 */
class ReadersOfALaggingFileTest extends JournalTest {
    private Path database() {
        return journal().resolve("journal.mv.db");
    }

    /** Runs {@code n} tasks that exit 0, 1, 2, 3, 0, ... and waits until their ends are journaled. */
    private static void runSome(MultiprocessDistributor d, int n) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            d.submitToBatchDistributor("exit " + (i % 4), "task " + i, Map.of());
        }
        assertTrue(d.engine().awaitIdle(Duration.ofSeconds(60)));
        d.engine().flushJournal();
    }

    /** A journal of 16 ended tasks (5 done, 11 failed) whose file holds only the first 6 (2 done, 4 failed), as H2 could leave it. */
    @BeforeEach
    void aFileThatLostItsLastCommits() throws Exception {
        Path older = tmp.resolve("older.mv.db");
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            runSome(d, 6);
            Files.copy(database(), older);
            runSome(d, 10);
        }
        Files.copy(older, database(), StandardCopyOption.REPLACE_EXISTING);
    }

    private String[] status(String expectedErr) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] args = {"status", "--journal", journal().toString()};
        int exit = StatusFastPath.run(StatusFastPath.parse(args).orElseThrow(), new PrintWriter(out), new PrintWriter(err));
        assertEquals(0, exit, err.toString());
        assertTrue(err.toString().contains(expectedErr), err.toString());
        return new String[] {out.toString(), err.toString()};
    }

    @Test
    void statusAndHistoryShowWhatWasCommittedAndLeaveTheFileAsItWas() throws Exception {
        byte[] lagging = Files.readAllBytes(database());
        String[] first = status("");
        assertTrue(first[0].contains("done=5, failed=11"), first[0]);
        assertEquals("", first[1]);
        Cli.Result history = Cli.run(tmp, "history", "--journal", journal().toString(), "--csv");
        assertEquals(0, history.exit(), history.toString());
        assertEquals(17, history.out().strip().split("\n").length, "a header and 16 tasks: " + history);
        assertArrayEquals(lagging, Files.readAllBytes(database()), "a reader does not write the journal");

        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            RepairReport r = d.engine().journal().repairAtOpen().orElseThrow();
            assertEquals(RepairReport.Kind.REPLAYED, r.kind(), "the host still finds and repairs the file: " + r.details());
        }
    }

    private Cli.Result history() throws Exception {
        Cli.Result r = Cli.run(tmp, "history", "--journal", journal().toString(), "--csv");
        assertEquals(0, r.exit(), r.toString());
        assertEquals(17, r.out().strip().split("\n").length, "a header and 16 tasks: " + r);
        assertEquals("", r.err(), r.toString());
        return r;
    }

    /** The copies kept in the journal's caught-up directory: their names and file keys (a copy made again has a new one). */
    private Map<String, Object> keptCopies() throws Exception {
        Path kept = journal().resolve("caught-up");
        if (!Files.exists(kept)) {
            return Map.of();
        }
        Map<String, Object> copies = new java.util.TreeMap<>();
        try (var files = Files.list(kept)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                copies.put(f.getFileName().toString(), Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class).fileKey());
            }
        }
        return copies;
    }

    @Test
    void theReadersAfterTheFirstTakeTheCopyItBroughtUpToDateUntilAHostOpensTheJournal() throws Exception {
        byte[] lagging = Files.readAllBytes(database());
        String first = history().out();
        Map<String, Object> kept = keptCopies();
        assertEquals(1, kept.size(), "the first reader keeps the copy it brought up to date: " + kept);

        assertEquals(first, history().out());
        assertEquals(kept, keptCopies(), "the second reader took the kept copy: it did not catch up and keep one again");

        Path copy = journal().resolve("caught-up").resolve(kept.keySet().iterator().next());
        Files.write(copy, "not a database".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(first, history().out(), "a damaged kept copy is not taken: the reader catches up again");
        assertEquals(kept.keySet(), keptCopies().keySet());
        assertFalse(kept.equals(keptCopies()), "and keeps a whole copy in its place");
        assertArrayEquals(lagging, Files.readAllBytes(database()), "a reader does not write the journal");

        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            assertFalse(Files.exists(journal().resolve("caught-up")), "a host's open deletes the kept copy, which its writes make stale");
        }
        assertEquals(first, history().out());
        assertEquals(Map.of(), keptCopies(), "a journal whose file does not lag needs no copy");
    }

    @Test
    void aGenerationFileThatSaysNothingLeavesTheRedoLogToSayWhatWasCommitted() throws Exception {
        Files.write(journal().resolve("journal.gen"), new byte[0]);
        String[] answer = status("");
        assertTrue(answer[0].contains("done=5, failed=11"), answer[0]);
    }

    @Test
    void aFullTemporaryDirectoryLeavesTheCopyAsItWasAndSaysWhereItWorked() throws Exception {
        long size = Files.size(database());
        try (Tmpfs fs = Tmpfs.mount(tmp.resolve("small-tmp"), "size=" + (size + size / 2) / 1024 + "k")) {
            Cli.Result r = Cli.runWith(Map.of("TMPDIR", fs.dir().toString()), tmp, "status", "--journal", journal().toString());
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.out().contains("done=2, failed=4"), "the copy as it was: " + r);
            assertTrue(r.err().contains("What follows is the journal as it was at generation ")
                    && r.err().contains("set TMPDIR to a directory with room"), r.err());
            try (var left = Files.list(fs.dir())) {
                assertEquals(List.of(), left.toList(), "nothing left in TMPDIR");
            }
        }
    }

    @Test
    void withoutTheRecordsToCatchUpTheySaySoAndStatusKeepsNoAnswer() throws Exception {
        Files.delete(journal().resolve("journal.redo"));
        for (int i = 0; i < 2; i++) {
            String[] answer = status("multiproc: warning: the journal's database file holds generation ");
            assertTrue(answer[0].contains("done=2, failed=4"), "the file as it is: " + answer[0]);
            assertTrue(answer[1].contains("What follows is the journal as it was at generation "), answer[1]);
            assertFalse(Files.exists(journal().resolve(SavedStatus.FILE)), "an answer that may be older is not kept");
        }
    }
}
