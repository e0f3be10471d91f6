package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.journal.RepairReport;
import dev.multiproc.testing.Cli;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import dev.multiproc.testing.OtherUser;
import dev.multiproc.testing.Tmpfs;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
        String name = kept.keySet().iterator().next();
        assertTrue(name.matches("[0-9a-f]{32}-[0-9a-f]{64}\\.mv\\.db"), "named by the state it was made from and its SHA-256: " + name);
        Path copy = journal().resolve("caught-up").resolve(name);
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(copy));

        assertEquals(first, history().out());
        assertEquals(kept, keptCopies(), "the second reader took the kept copy: it did not catch up and keep one again");

        // changed under its name: it still opens at the committed generation, and only the SHA-256 in its name tells
        Path changed = tmp.resolve("changed.mv.db");
        Files.copy(copy, changed);
        String password = dev.multiproc.journal.JournalCredentials.load(journal().resolve("credentials")).ownerPassword();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:h2:file:" + tmp.resolve("changed"),
                dev.multiproc.journal.JournalCredentials.OWNER, password); java.sql.Statement st = c.createStatement()) {
            assertEquals(16, st.executeUpdate("UPDATE task SET state = 'DONE', exit_code = 0"));
        }
        Files.copy(changed, copy, StandardCopyOption.REPLACE_EXISTING);
        Path killedReaders = journal().resolve("caught-up").resolve("partial-4194305-1.tmp"); // above Linux's largest pid
        Files.write(killedReaders, new byte[1000]);
        assertEquals(first, history().out(), "a kept copy changed since is not taken: the reader catches up again");
        Map<String, Object> again = keptCopies();
        assertEquals(1, again.size(), "a whole copy in its place, and a killed reader's partial copy gone: " + again);
        assertEquals(name.substring(0, 32), again.keySet().iterator().next().substring(0, 32), "made from the same state");
        assertFalse(kept.equals(again));
        assertArrayEquals(lagging, Files.readAllBytes(database()), "a reader does not write the journal");

        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            assertFalse(Files.exists(journal().resolve("caught-up")), "a host's open deletes the kept copy, which its writes make stale");
        }
        Files.createDirectory(journal().resolve("caught-up"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.write(journal().resolve("caught-up").resolve(name), new byte[100]);
        assertEquals(first, history().out());
        assertEquals(Map.of(), keptCopies(), "a reader that finds the file no longer lagging deletes what was kept");
    }

    @Test
    void aReaderKeepsNothingInALinkNorInAnotherUsersJournal() throws Exception {
        Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
        Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path precious = Files.writeString(elsewhere.resolve("precious"), "keep me");
        Files.createSymbolicLink(journal().resolve("caught-up"), elsewhere);
        history();
        try (var files = Files.list(elsewhere)) {
            assertEquals(List.of(precious), files.toList(), "the link was not followed");
        }
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(elsewhere)));
        Files.delete(journal().resolve("caught-up"));

        assumeTrue(OtherUser.available(), "another user's journal needs root, to give it to " + OtherUser.NAME);
        var nobody = journal().getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(OtherUser.NAME);
        try (var files = Files.walk(journal())) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.setOwner(f, nobody);
            }
        }
        Path link = Files.createSymbolicLink(tmp.resolve("roots-link"), journal()); // a link of root's, to nobody's journal
        for (Path named : List.of(journal(), link)) {
            Cli.Result r = Cli.run(tmp, "history", "--journal", named.toString(), "--csv");
            assertEquals(17, r.out().strip().split("\n").length, r.toString());
            StringWriter out = new StringWriter();
            String[] args = {"status", "--journal", named.toString()};
            assertEquals(0, StatusFastPath.run(StatusFastPath.parse(args).orElseThrow(), new PrintWriter(out), new PrintWriter(new StringWriter())));
            assertTrue(out.toString().contains("done=5, failed=11"), out.toString());
            assertFalse(Files.exists(journal().resolve("caught-up")), "root reading " + OtherUser.NAME + "'s journal as " + named
                    + " kept no copy in it");
            assertFalse(Files.exists(journal().resolve(SavedStatus.FILE)), "nor a saved answer, which would stop its owner's next host");
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

    /** A private copy as a reader of process {@code pid} leaves it when killed while copying, last touched {@code ago}. */
    private static Path copyLeftBy(Path tmpdir, long pid, Duration ago) throws Exception {
        Path copy = Files.createDirectory(tmpdir.resolve("multiproc-read-" + pid + "-123"));
        Files.write(copy.resolve("journal.mv.db"), new byte[4096]);
        Files.setLastModifiedTime(copy, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - ago.toMillis()));
        return copy;
    }

    @Test
    void theCopiesOfReadersKilledWhileReadingGoAnHourLater() throws Exception {
        Path tmpdir = Files.createDirectory(tmp.resolve("tmpdir"));
        Path killed = copyLeftBy(tmpdir, 4_194_305, Duration.ofHours(2)); // above Linux's largest pid: gone
        Path recent = copyLeftBy(tmpdir, 4_194_306, Duration.ofMinutes(10));
        Path running = copyLeftBy(tmpdir, ProcessHandle.current().pid(), Duration.ofHours(2));
        Cli.Result r = Cli.runWith(Map.of("TMPDIR", tmpdir.toString()), tmp, "history", "--journal", journal().toString(), "--csv");
        assertEquals(0, r.exit(), r.toString());
        try (var left = Files.list(tmpdir)) {
            assertEquals(Set.of(recent, running), Set.copyOf(left.toList()), "only the hour-old copy of a process that is gone was deleted");
        }
        assertFalse(Files.exists(killed));
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
