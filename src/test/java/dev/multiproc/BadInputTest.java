package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.Test;

/** Bad input: each a clear error naming the problem, and nothing journaled half-way. */
class BadInputTest extends JournalTest {

    private static int journaledTasks(MultiprocessDistributor d) {
        return Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM task").mapTo(Integer.class).one());
    }

    private static int journaledJobs(MultiprocessDistributor d) {
        return Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM job").mapTo(Integer.class).one());
    }

    private static void refused(MultiprocessDistributor d, String expected, Executable call) {
        int tasks = journaledTasks(d);
        int jobs = journaledJobs(d);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> call.execute());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
        assertEquals(tasks, journaledTasks(d), "a task was journaled for a refused call");
        assertEquals(jobs, journaledJobs(d), "a job was journaled for a refused call");
    }

    @Test
    void badCommandsAreRefusedBeforeAnythingIsJournaled() {
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            refused(d, "command must not be null", () -> d.submitToBatchDistributor(null, "x", Map.of()));
            refused(d, "command must not be empty or blank", () -> d.submitToBatchDistributor("", "x", Map.of()));
            refused(d, "command must not be empty or blank", () -> d.submitToBatchDistributor(" \t\n", "x", Map.of()));
            refused(d, "NUL characters (found one at index 4)", () -> d.submitToBatchDistributor("echo\0rm -rf /", "x", Map.of()));
            refused(d, "the limit is 1000000", () -> d.submitToBatchDistributor("x".repeat(1_000_001), "x", Map.of()));
            refused(d, "name must not be null", () -> d.submitToBatchDistributor("true", null, Map.of()));
            refused(d, "command 3: command must not be empty",
                    () -> d.engine().submitAll(List.of("true", "true", "", "true"), "batch", Map.of()));
            refused(d, "command must not be null", () -> d.submitArrayToBatchDistributor(null, "x", Map.of(), 3));
        }
    }

    private static int journaledRuns(MultiprocessDistributor d) {
        return Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM run").mapTo(Integer.class).one());
    }

    /** A run with a bad command is refused before its row is written: the corrected commands then start it, not "already exists". */
    @Test
    void aRunWithABadCommandLeavesNoRunBehind() throws Exception {
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            refused(d, "command 2: command must not contain NUL characters",
                    () -> d.engine().startRun("nul.txt", "/x/nul.txt", List.of("true", "echo b\0c"), false));
            refused(d, "command 1: command is 1000001 characters long",
                    () -> d.engine().startRun("nul.txt", "/x/nul.txt", List.of("x".repeat(1_000_001)), false));
            refused(d, "name must not contain NUL", () -> d.engine().startRun("n\0", "/x/n", List.of("true"), false));
            assertEquals(0, journaledRuns(d), "a run row was journaled for a refused run");
            var run = d.engine().startRun("nul.txt", "/x/nul.txt", List.of("true", "echo bc"), false);
            assertFalse(run.resumed(), "a new run, not one that exists already");
            assertEquals(2, run.waitFor().size());
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)));
        }
    }

    @Test
    void arrayLengthsOutOfBoundsAreRefused() {
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            refused(d, "arrayLength must be at least 1, got 0", () -> d.submitArrayToBatchDistributor("true", "a", Map.of(), 0));
            refused(d, "arrayLength must be at least 1, got -5", () -> d.submitArrayToBatchDistributor("true", "a", Map.of(), -5));
            refused(d, "exceeds the limit of 1000000 steps per array",
                    () -> d.submitArrayToBatchDistributor("true", "a", Map.of(), 1_000_001));
            refused(d, "exceeds the limit", () -> d.submitArrayToBatchDistributor("true", "a", Map.of(), Integer.MAX_VALUE));
        }
    }

    @Test
    void resourcesOfTheWrongTypeOrUnitAreRefusedNamingTheKey() {
        try (MultiprocessDistributor d = Hosts.open(journal(), 4)) {
            refused(d, "'cores' must be a whole number", () -> d.submitToBatchDistributor("true", "x", Map.of("cores", "two")));
            refused(d, "'cores' must be a whole number of at least 1", () -> d.submitToBatchDistributor("true", "x", Map.of("cores", 0)));
            refused(d, "'memory' must look like 512M", () -> d.submitToBatchDistributor("true", "x", Map.of("memory", "8X")));
            refused(d, "'memory' must be a string", () -> d.submitToBatchDistributor("true", "x", Map.of("memory", List.of(1))));
            refused(d, "'runtime' must be a duration: ", () -> d.submitToBatchDistributor("true", "x", Map.of("runtime", "soon")));
            refused(d, "'runtime' must be a positive duration", () -> d.submitToBatchDistributor("true", "x", Map.of("runtime", 0)));
            refused(d, "'stdout' must be a string", () -> d.submitToBatchDistributor("true", "x", Map.of("stdout", 42)));
            refused(d, "'cores'", () -> d.submitArrayToBatchDistributor("true", "x", Map.of("cores", 1.5), 10));
        }
    }

    @Test
    void badIdsGetClearAnswers() {
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            assertThrows(IllegalArgumentException.class, () -> d.terminateTaskInstances(null));
            IllegalArgumentException nullId = assertThrows(IllegalArgumentException.class,
                    () -> d.terminateTaskInstances(Arrays.asList("1", null)));
            assertEquals("distributorIds[1] is null", nullId.getMessage());
            assertThrows(IllegalArgumentException.class, () -> d.getQueueingErrors(Arrays.asList(null, "1")));
            d.terminateTaskInstances(List.of("7", "7", "7_3", "../../etc", "")); // unknown and duplicate: logged, not fatal
            assertEquals(Map.of(), d.getQueueingErrors(List.of("7", "7", "nope")));
            assertEquals(java.util.Set.of(), d.getSubmittedOrRunning(Arrays.asList("7", null, "7")));
        }
    }

    @Test
    void hostileNamesStayInTheLogDirectoryAndAreStoredAsGiven() throws Exception {
        Path logs = tmp.resolve("logs");
        List<String> names = List.of("../../escape", "a/b/c", "line\nbreak", "x".repeat(10_000), "'; DROP TABLE task; --",
                "$(touch " + tmp + "/pwned)", "..", ".hidden", "");
        try (MultiprocessDistributor d = Hosts.builder(journal(), 2).logDir(logs).build()) {
            d.start();
            List<String> ids = new ArrayList<>();
            for (String name : names) {
                ids.add(d.submitToBatchDistributor("echo out; echo err >&2", name, Map.of()));
            }
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)));
            d.engine().flushJournal();
            for (int i = 0; i < names.size(); i++) {
                String id = ids.get(i);
                String stored = Hosts.jdbi(d).withHandle(h -> h.createQuery(
                        "SELECT j.name FROM job j JOIN task t ON t.job_id = j.job_id WHERE t.task_id = :id").bind("id", id)
                        .mapTo(String.class).one());
                assertEquals(names.get(i), stored, "names are stored as given");
                assertEquals("Process exited with code 0", d.getRemoteExitInfo(id).message());
            }
        }
        assertFalse(Files.exists(tmp.resolve("pwned")), "a name reached a shell");
        assertTrue(tables(journal()).containsAll(List.of("JOB", "TASK", "EXIT_INFO", "QUEUEING_ERROR", "HOST_SESSION", "RUN",
                "TASK_REQUEST", "JOURNAL_META", "flyway_schema_history")), "the journal's tables are all still there");
        try (var files = Files.walk(tmp)) {
            List<Path> outputs = files.filter(p -> p.getFileName().toString().matches(".*\\.[oe]\\d+")).toList();
            assertEquals(2 * names.size(), outputs.size(), outputs.toString());
            for (Path p : outputs) {
                assertEquals(logs.toAbsolutePath(), p.toAbsolutePath().getParent(), "outside the log directory: " + p);
                assertTrue(p.getFileName().toString().length() <= 140, p.toString());
            }
        }
    }

    private static List<String> tables(Path journal) {
        try (MultiprocessDistributor d = Hosts.open(journal, 1)) {
            return Hosts.jdbi(d).withHandle(h -> h.createQuery(
                    "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'PUBLIC' AND TABLE_TYPE = 'BASE TABLE'")
                    .mapTo(String.class).list());
        }
    }

    @Test
    void lifecycleMisuseIsHarmless() {
        MultiprocessDistributor d = Hosts.open(journal(), 1);
        d.start();
        d.start();
        d.stop();
        d.stop();
        d.close();
        d.close();
        assertThrows(IllegalStateException.class, () -> d.submitArrayToBatchDistributor("true", "x", Map.of(), 2));
        assertThrows(IllegalStateException.class, () -> d.getRemoteExitInfo("1"));
        assertThrows(IllegalStateException.class, () -> d.terminateTaskInstances(List.of("1")));
    }
}
