package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.service.DistributorService;
import dev.multiproc.testing.Cli;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/** {@code status} about a journal no host holds prints its saved answer while the journal's file is unchanged ({@link SavedStatus}). */
class SavedStatusTest extends JournalTest {

    private String status(String... options) {
        String[] args = new String[options.length + 3];
        args[0] = "status";
        args[1] = "--journal";
        args[2] = journal().toString();
        System.arraycopy(options, 0, args, 3, options.length);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = StatusFastPath.run(StatusFastPath.parse(args).orElseThrow(), new PrintWriter(out), new PrintWriter(err));
        assertEquals(0, exit, err.toString());
        return out.toString();
    }

    private Path saved() {
        return journal().resolve(SavedStatus.FILE);
    }

    /** Puts {@code body} in place of the saved answer, its key kept: what status prints next shows where it came from. */
    private void replaceSavedAnswer(String body) throws Exception {
        String file = Files.readString(saved(), StandardCharsets.UTF_8);
        Files.writeString(saved(), file.substring(0, file.indexOf('\n') + 1) + body, StandardCharsets.UTF_8);
    }

    @Test
    void anUnchangedJournalGetsTheSavedAnswerAndAChangedOneIsReadAgain() throws Exception {
        Hosts.journalWithOneTaskRun(journal(), "exit 3");
        String first = status();
        assertTrue(first.contains("failed=1"), first);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(saved())));
        assertTrue(Files.readString(saved()).endsWith(first));
        assertEquals(first, status(), "the saved answer is the answer");

        replaceSavedAnswer("saved\n");
        assertEquals("saved\n", status(), "an unchanged file: the saved answer");

        Hosts.journalWithOneTaskRun(journal(), "true");
        String after = status();
        assertTrue(after.contains("done=1") && after.contains("failed=1"), "a host wrote the file: read again\n" + after);
        assertEquals(after, status());
    }

    @Test
    void aNewGenerationMakesItReadAgainThoughTheFileLooksTheSame() throws Exception {
        // on a file system whose clock is coarse, a host's write in the same tick may leave size and time as they were
        Hosts.journalWithOneTaskRun(journal(), "true");
        String answer = status();
        replaceSavedAnswer("saved\n");
        Path generation = journal().resolve("journal.gen");
        byte[] recorded = Files.readAllBytes(generation);
        java.nio.file.attribute.FileTime modified = Files.getLastModifiedTime(journal().resolve("journal.mv.db"));
        Files.write(generation, java.nio.ByteBuffer.allocate(Long.BYTES).putLong(java.nio.ByteBuffer.wrap(recorded).getLong() + 1).array());
        assertEquals(modified, Files.getLastModifiedTime(journal().resolve("journal.mv.db")));
        assertEquals(answer, status(), "another generation: read again");
        Files.write(generation, recorded);
    }

    @Test
    void eachFormHasItsOwn() throws Exception {
        Hosts.journalWithOneTaskRun(journal(), "true");
        String text = status();
        replaceSavedAnswer("saved text\n");
        String json = status("--json");
        assertTrue(json.startsWith("{") && json.contains("\"done\" : 1"), json);
        assertEquals(json, status("--json"));
        assertTrue(Files.readString(journal().resolve(SavedStatus.JSON_FILE)).endsWith(json), "the JSON form is kept apart");
        assertEquals("saved text\n", status(), "the text form's answer stays, beside the JSON one's");
        assertEquals(text, statusVerbose(), "-v reads the journal");
    }

    private String statusVerbose() {
        StringWriter out = new StringWriter();
        StatusCommand command = StatusFastPath.parse(new String[] {"status", "--journal", journal().toString(), "-v"}).orElseThrow();
        assertEquals(0, StatusFastPath.run(command, new PrintWriter(out), new PrintWriter(new StringWriter())));
        return out.toString();
    }

    @Test
    void nothingIsSavedWhileAHostHoldsTheJournal() throws Exception {
        Hosts.journalWithOneTaskRun(journal(), "true");
        try (MultiprocessDistributor host = Hosts.builder(journal(), 1).journalServer(true).build()) {
            host.start();
            String live = status();
            assertTrue(live.contains("done=1"), live);
            assertFalse(Files.exists(saved()), "an answer while a host holds the journal");
        }
        status();
        assertTrue(Files.exists(saved()));
    }

    @Test
    void aRunLeavesTheAnswerThatStatusWouldReadAfterIt() throws Exception {
        // failures that end in the same millisecond, a task killed by a signal, output on both streams
        Files.writeString(tmp.resolve("mixed.txt"), "true\nexit 3\nfalse\necho out; echo err >&2\nkill -9 $$\nexit 4\n");
        for (String name : new String[] {"first", "second"}) {
            Cli.Result run = Cli.run(tmp, "run", "--journal", journal().toString(), "--no-progress", "--name", name, "mixed.txt");
            assertEquals(4, run.exit(), "the number of failed commands\n" + run);
            assertTrue(Files.exists(saved()), "the run left no answer\n" + run);
            String left = status();
            Files.delete(saved());
            String read = status();
            assertEquals(read, left, "the answer the run left is the one status reads from the journal");
            assertTrue(read.contains("failed=" + (name.equals("first") ? 4 : 8)), read);
        }
        replaceSavedAnswer("left by the run\n");
        assertEquals("left by the run\n", status(), "status printed the answer without reading the journal");
    }

    @Test
    void aRunLeavesNoAnswerThatOutlivesAChangeOfTheJournal() throws Exception {
        Files.writeString(tmp.resolve("one.txt"), "exit 3\n");
        Cli.Result run = Cli.run(tmp, "run", "--journal", journal().toString(), "--no-progress", "one.txt");
        assertEquals(1, run.exit(), run.toString());
        replaceSavedAnswer("left by the run\n");
        Hosts.journalWithOneTaskRun(journal(), "true");
        String after = status();
        assertTrue(after.contains("done=1") && after.contains("failed=1"), "a host that is not a run changed the file: read again\n" + after);
    }

    @Test
    void aServiceThatStopsLeavesTheAnswerWithTheTasksItLeavesRunning() throws Exception {
        Path gate = Files.createFile(tmp.resolve("gate"));
        DistributorService service = DistributorService.start(Hosts.builder(journal(), 2).build(), 0);
        try {
            service.distributor().submitToBatchDistributor("while [ -e " + gate + " ]; do sleep 0.05; done", "gated", java.util.Map.of());
            await("the task runs", () -> service.distributor().engine().runningCount() == 1);
        } finally {
            service.close(new StatusLeftByHost(JournalLocation.existing(journal())));
        }
        try {
            assertTrue(Files.exists(saved()), "the service left no answer");
            String left = status();
            Files.delete(saved());
            String read = status();
            assertEquals(read, left, "the answer the service left is the one status reads from the journal");
            assertTrue(read.contains("running when the last host left"), read);
        } finally {
            Files.delete(gate);
            try (MultiprocessDistributor d = Hosts.open(journal(), 1)) {
                d.start(); // reattaches the task the service left, which ends now
                assertTrue(d.engine().awaitIdle(java.time.Duration.ofSeconds(60)));
            }
        }
    }

    /** Steps of an array whose rows are not written yet (a host died before it wrote them) are queued: status counts them. */
    @Test
    void theStepsOfAnArrayThatHaveNoRowYetCountAsQueued() throws Exception {
        try (MultiprocessDistributor d = Hosts.open(journal(), 1)) {
            String job = d.submitArrayToBatchDistributor("true", "array", java.util.Map.of(), 5_000).get(0).split("_")[0];
            d.engine().flushJournal();
            // as a host that died after writing the first 1,000 rows leaves the journal
            Hosts.jdbi(d).useHandle(h -> {
                h.execute("DELETE FROM task WHERE job_id = ? AND step >= 1000", Long.parseLong(job));
                h.execute("MERGE INTO array_fill (job_id, next_step) KEY (job_id) VALUES (?, 1000)", Long.parseLong(job));
            });
            d.engine().detach(); // the queued steps stay queued
        }
        String text = status();
        assertTrue(text.contains("tasks:   queued=5000"), text);
        String json = status("--json");
        assertTrue(json.contains("\"queued\" : 5000"), json);
    }
}
