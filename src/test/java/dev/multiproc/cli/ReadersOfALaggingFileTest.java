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
