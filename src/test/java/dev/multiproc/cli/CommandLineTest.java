package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.multiproc.journal.JournalCredentials;
import dev.multiproc.journal.JournalDirectory;
import dev.multiproc.journal.JournalServer;
import dev.multiproc.testing.Cli;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The command line driven as a user drives it: separate processes, a working directory, the built-in configuration. */
@Tag("slow") // JVMs of seconds each; CI runs the slow tier too (the default tier stays under 90 s)
class CommandLineTest extends JournalTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    protected Path journal() {
        return tmp.resolve(".multiproc");
    }

    private Path commands(String name, String... lines) throws Exception {
        return Files.write(tmp.resolve(name), List.of(lines));
    }

    @Test
    void aRunWithFailuresExitsWithTheirCountAndSummarises() throws Exception {
        commands("four.txt", "echo one", "exit 3", "# a comment", "", "echo three", "sleep 0.2; exit 5");
        Cli.Result r = Cli.run(tmp, "run", "four.txt");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.out().contains("run four.txt: 4 commands: 2 done, 2 failed, 0 not finished"), r.toString());
        assertTrue(Pattern.compile("(?m)^  2 +2 +failed +\\.multiproc/logs/four\\.txt\\.o2 +\\.multiproc/logs/four\\.txt\\.e2 +Process exited "
                + "with code 3$").matcher(r.out()).find(), r.toString());
        assertTrue(r.err().contains("4/4 finished (2 done, 2 failed)"), "progress lines off a terminal: " + r);
        Cli.Result logs = Cli.run(tmp, "logs", "1");
        assertEquals(0, logs.exit(), logs.toString());
        assertTrue(logs.out().contains("one"), logs.toString());
    }

    @Test
    void aRunKilledMidwayResumesWithoutRunningAnythingTwice() throws Exception {
        Path ledger = tmp.resolve("ledger");
        String[] lines = new String[12];
        for (int i = 0; i < lines.length; i++) {
            lines[i] = "echo " + i + " >> " + ledger + "; sleep 0.4";
        }
        commands("slow.txt", lines);
        Process first = Cli.start(tmp, "run", "-j", "2", "slow.txt");
        await("some commands to run", () -> {
            try {
                return Files.exists(ledger) && Files.readAllLines(ledger).size() >= 3;
            } catch (Exception e) {
                return false;
            }
        });
        first.destroyForcibly(); // SIGKILL: no shutdown hook, no goodbye
        first.waitFor(30, TimeUnit.SECONDS);
        Cli.Result again = Cli.run(tmp, "run", "-j", "2", "slow.txt");
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.err().contains("resuming run slow.txt"), again.toString());
        assertTrue(again.out().contains("12 commands: 12 done, 0 failed"), again.toString());
        List<String> ran = Files.readAllLines(ledger);
        assertEquals(12, ran.size(), "each command once: " + ran);
        assertEquals(12, new HashSet<>(ran).size(), "each command once: " + ran);
        Cli.Result complete = Cli.run(tmp, "run", "-j", "2", "slow.txt");
        assertEquals(0, complete.exit(), complete.toString());
        assertEquals(12, Files.readAllLines(ledger).size(), "a finished run runs nothing again");
    }

    /**
     * The tasks the journal says are running, read in this JVM as {@code status} reads it (through the host's
     * journal server); -1 while it cannot tell (no journal yet, or its host still starting).
     */
    private long runningTasks() {
        try (Connection c = JournalAccess.of(journal(), null).reader();
             java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM task WHERE state = 'RUNNING'")) {
            return rs.next() ? rs.getLong(1) : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    private static void signal(Process p, String signal) throws Exception {
        new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor();
    }

    @Test
    void ctrlCWithoutATerminalLeavesTasksRunningForTheNextRun() throws Exception {
        Path ledger = tmp.resolve("ledger");
        Path gate = Files.createFile(tmp.resolve("gate")); // the first task runs until the test removes it
        commands("two.txt", "echo a >> " + ledger + "; while [ -e " + gate + " ]; do sleep 0.05; done; echo a-done >> " + ledger,
                "echo b >> " + ledger);
        try {
            Process run = Cli.start(tmp, "run", "-j", "1", "two.txt");
            await("the first command to start", () -> Files.exists(ledger));
            signal(run, "INT");
            assertTrue(run.waitFor(30, TimeUnit.SECONDS));
            assertEquals(130, run.exitValue(), Cli.err(tmp, run));
            assertTrue(Cli.err(tmp, run).contains("left 1 running tasks running"), Cli.err(tmp, run));
            Process again = Cli.start(tmp, "run", "-j", "1", "two.txt");
            await("the second run to reattach the running task", () -> {
                try {
                    return Cli.err(tmp, again).contains("1 reattached");
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            Files.delete(gate);
            assertTrue(again.waitFor(60, TimeUnit.SECONDS), "the second run ends once its tasks have");
            assertEquals(0, again.exitValue(), Cli.out(tmp, again) + Cli.err(tmp, again));
            assertEquals(List.of("a", "a-done", "b"), Files.readAllLines(ledger), "the running task went on and ran once; the other ran after");
        } finally {
            Files.deleteIfExists(gate);
        }
    }

    @Test
    void aSecondCtrlCKillsTheRunningTasks() throws Exception {
        commands("long.txt", "sleep 60", "sleep 60");
        Process run = Cli.start(tmp, "run", "-j", "2", "long.txt");
        await("both tasks to run", () -> runningTasks() == 2);
        // two signals sent at once can reach the process as one: the second goes once the first was seen, and it must
        // arrive within a second of that; a helper already running sends both and watches the stderr file itself
        Process signals = new ProcessBuilder("sh", "-c", "kill -INT $0; until grep -qF 'a second SIGINT within a second kills' \"$1\"; "
                + "do sleep 0.01; done; kill -INT $0", Long.toString(run.pid()), Cli.errFile(tmp, run).toString()).start();
        try {
            assertTrue(signals.waitFor(30, TimeUnit.SECONDS), "the first SIGINT to be seen: " + Cli.err(tmp, run));
        } finally {
            signals.destroyForcibly();
        }
        assertTrue(run.waitFor(30, TimeUnit.SECONDS));
        assertEquals(130, run.exitValue(), Cli.err(tmp, run));
        assertTrue(Cli.out(tmp, run).contains("2 commands: 0 done, 0 failed, 2 not finished"), Cli.out(tmp, run) + Cli.err(tmp, run));
        assertEquals(List.of(), dev.multiproc.testing.Leftovers.of(journal()));
    }

    @Test
    void retryFailedRunsOnlyTheFailures() throws Exception {
        Path marker = tmp.resolve("marker");
        commands("flaky.txt", "echo ok >> " + tmp.resolve("oks"), "test -f " + marker + " || { touch " + marker + "; exit 1; }");
        Cli.Result first = Cli.run(tmp, "run", "flaky.txt");
        assertEquals(1, first.exit(), first.toString());
        Cli.Result plain = Cli.run(tmp, "run", "flaky.txt");
        assertEquals(1, plain.exit(), "without --retry-failed a failure stays: " + plain);
        Cli.Result retried = Cli.run(tmp, "run", "--retry-failed", "flaky.txt");
        assertEquals(0, retried.exit(), retried.toString());
        assertTrue(retried.out().contains("2 commands: 2 done, 0 failed"), retried.toString());
        assertEquals(1, Files.readAllLines(tmp.resolve("oks")).size(), "the command that succeeded ran once");
    }

    @Test
    void theSameNameWithOtherCommandsIsRefused() throws Exception {
        commands("a.txt", "true");
        assertEquals(0, Cli.run(tmp, "run", "--name", "same", "a.txt").exit());
        commands("b.txt", "false");
        Cli.Result r = Cli.run(tmp, "run", "--name", "same", "b.txt");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().startsWith("multiproc: error: a run named 'same' already exists with other commands"), r.toString());
    }

    @Test
    void inspectionWorksWhileAnotherProcessRunsTasks() throws Exception {
        commands("long.txt", "sleep 60", "sleep 60", "sleep 60");
        Process run = Cli.start(tmp, "run", "-j", "2", "long.txt");
        await("two tasks to run", () -> runningTasks() == 2);
        JsonNode status = JSON.readTree(Cli.run(tmp, "status", "--json").out());
        assertTrue(status.path("host").asText().contains("host pid " + run.pid()), status.toString());
        assertEquals(1, status.path("counts").path("queued").asInt(), status.toString());
        Cli.Result second = Cli.run(tmp, "sql", "SELECT 1; SET PASSWORD 'x'");
        assertEquals(2, second.exit(), second.toString());
        assertTrue(second.err().contains("multiproc sql runs one statement at a time"), second.toString());
        Cli.Result sql = Cli.run(tmp, "sql", "--json", "SELECT task_id FROM running_tasks ORDER BY task_id");
        assertEquals(0, sql.exit(), sql.toString());
        assertEquals(2, JSON.readTree(sql.out()).size(), sql.toString());
        Cli.Result history = Cli.run(tmp, "history", "--state", "running,queued", "--csv");
        assertEquals(4, history.out().strip().split("\n").length, "header and three tasks: " + history);
        Cli.Result recent = Cli.run(tmp, "history", "--state", "running,queued", "--since", "1h 30m", "--csv");
        assertEquals(4, recent.out().strip().split("\n").length, "--since reads durations as the configuration does: " + recent);
        Cli.Result badSince = Cli.run(tmp, "history", "--since", "1:60:00");
        assertEquals(2, badSince.exit(), badSince.toString());
        assertTrue(badSince.err().contains("--since as H:MM:SS must have minutes and seconds below 60, got '1:60:00'"),
                badSince.toString());
        Cli.Result kill = Cli.run(tmp, "kill", "1", "2", "3", "999");
        assertEquals(1, kill.exit(), "999 is not a task: " + kill);
        assertTrue(kill.out().contains("1: terminated") && kill.out().contains("2: terminated") && kill.out().contains("3: terminated"),
                kill.toString());
        assertTrue(kill.out().contains("999: not queued or running"), kill.toString());
        assertTrue(run.waitFor(60, TimeUnit.SECONDS), "the run ends once its tasks are terminated");
        assertEquals(3, run.exitValue(), Cli.out(tmp, run) + Cli.err(tmp, run));
        try (Connection c = JournalAccess.of(journal(), null).reader();
             java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT reason FROM failures ORDER BY task_id")) {
            List<String> reasons = new java.util.ArrayList<>();
            while (rs.next()) {
                reasons.add(rs.getString(1));
            }
            assertEquals(List.of("terminated", "terminated", "terminated"), reasons);
        }
    }

    @Test
    void sqlRefusesWritesAndItsUserCannotWrite() throws Exception {
        Hosts.journalWithOneTaskRun(journal(), "true");
        Cli.Result delete = Cli.run(tmp, "sql", "DELETE FROM task");
        assertEquals(2, delete.exit(), delete.toString());
        assertTrue(delete.err().contains("multiproc sql is read-only"), delete.toString());
        Cli.Result select = Cli.run(tmp, "sql", "SELECT state, COUNT(*) AS n FROM task GROUP BY state");
        assertEquals(0, select.exit(), select.toString());
        assertTrue(select.out().contains("DONE") && select.out().contains("(1 row)"), select.toString());
        // the user behind `sql` can read, not write, whatever statement gets past the first check
        JournalDirectory dir = JournalDirectory.existing(journal());
        JournalCredentials credentials = JournalCredentials.load(dir.credentialsFile());
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.databaseBase() + ";ACCESS_MODE_DATA=r;IFEXISTS=TRUE",
                JournalCredentials.READER, credentials.readerPassword())) {
            SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class,
                    () -> c.createStatement().executeUpdate("DELETE FROM task"));
            assertTrue(e.getErrorCode() == 90096 || e.getErrorCode() == 90097, e.toString());
        }
    }

    @Test
    void theConsoleServesItsOwnerOnLoopbackAndLeavesNothingWhenStopped() throws Exception {
        Hosts.journalWithOneTaskRun(journal(), "echo hi");
        Process console = Cli.start(tmp, "console", "--for", "10m");
        try {
            Pattern address = Pattern.compile("(http://127\\.0\\.0\\.1:(\\d+)/)\\?token=([A-Za-z0-9_-]{43})\\s");
            Matcher[] found = new Matcher[1];
            Awaitility.await("the console's address").atMost(Duration.ofSeconds(90)).until(() -> {
                found[0] = address.matcher(Cli.out(tmp, console));
                return found[0].find() || !console.isAlive();
            });
            assertTrue(console.isAlive(), Cli.out(tmp, console) + Cli.err(tmp, console));
            String base = found[0].group(1);
            int port = Integer.parseInt(found[0].group(2));
            String token = found[0].group(3);
            Path tokenFile = journal().resolve("console-" + console.pid());
            assertEquals(base + "?token=" + token, Files.readString(tokenFile).strip());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + "?token=" + token)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<textarea") && page.body().contains("Run"), page.body());
            HttpRequest.Builder query = HttpRequest.newBuilder(URI.create(base + "query")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"sql\": \"SELECT task_id, state, command FROM task_history\"}"));
            HttpResponse<String> rows = http.send(query.copy().header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, rows.statusCode(), rows.body());
            JsonNode answer = JSON.readTree(rows.body());
            assertEquals("[\"task_id\",\"state\",\"command\"]", answer.path("columns").toString());
            assertEquals("[[\"1\",\"DONE\",\"echo hi\"]]", answer.path("rows").toString());
            assertEquals(401, http.send(query.build(), HttpResponse.BodyHandlers.ofString()).statusCode(), "without the token");
            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(base + "query"))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"sql\": \"DELETE FROM task\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, refused.statusCode());
            assertEquals("the console is read-only: only queries (SELECT, WITH, SHOW, EXPLAIN, VALUES, TABLE) are allowed, not 'DELETE'",
                    JSON.readTree(refused.body()).path("error").asText());
            assertListensOnLoopbackOnly(port);

            console.destroy(); // SIGTERM; Ctrl-C takes the same way out
            assertTrue(console.waitFor(30, TimeUnit.SECONDS), "the console stops");
            assertFalse(Files.exists(tokenFile), "the token file is removed");
            assertFalse(isListening(port), "nothing listens on " + port + " any more");
        } finally {
            console.destroyForcibly();
            console.waitFor(10, TimeUnit.SECONDS);
        }
        Process brief = Cli.start(tmp, "console", "--for", "1s");
        assertTrue(brief.waitFor(90, TimeUnit.SECONDS), "the console stops after --for");
        assertEquals(0, brief.exitValue(), Cli.err(tmp, brief));
        assertTrue(Cli.out(tmp, brief).contains("?token="), Cli.out(tmp, brief));
        assertFalse(Files.exists(journal().resolve("console-" + brief.pid())), "the token file is removed");
    }

    @Test
    void theJournalServerListensOnLoopbackOnly() throws Exception {
        commands("long.txt", "sleep 30");
        Process run = Cli.start(tmp, "run", "long.txt");
        try {
            await("the journal server", () -> Files.exists(journal().resolve("server")));
            JournalDirectory dir = JournalDirectory.existing(journal());
            String url = JournalServer.url(dir, JournalCredentials.load(dir.credentialsFile())).orElseThrow();
            assertListensOnLoopbackOnly(Integer.parseInt(url.replaceAll(".*:(\\d+)/.*", "$1")));
        } finally {
            // cleanup, not the subject (killing through the host is tested above): a failure here must not hide one above
            Cli.run(tmp, "kill", "1");
            if (!run.waitFor(30, TimeUnit.SECONDS)) {
                run.destroyForcibly();
            }
        }
    }

    /** The listening socket of the port, in /proc/net/tcp or tcp6, is bound to 127.0.0.1 and nothing else. */
    private static void assertListensOnLoopbackOnly(int port) throws Exception {
        List<String> listeners = listeners(port);
        assertFalse(listeners.isEmpty(), "nothing listens on port " + port);
        for (String address : listeners) {
            assertTrue(address.equals("0100007F") || address.equals("0000000000000000FFFF00000100007F"),
                    "port " + port + " listens on " + address + ", not on 127.0.0.1 only");
        }
    }

    private static boolean isListening(int port) throws Exception {
        return !listeners(port).isEmpty();
    }

    /** The local addresses (hex, as in /proc/net/tcp) of the sockets listening on {@code port}. */
    private static List<String> listeners(int port) throws Exception {
        String hex = String.format(":%04X ", port);
        List<String> listeners = new java.util.ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && (f[1] + " ").endsWith(hex) && f[3].equals("0A")) { // 0A: LISTEN
                    listeners.add(f[1].substring(0, f[1].indexOf(':')));
                }
            }
        }
        return listeners;
    }

    @Test
    void badFlagsAndBadConfigurationGetOneClearLine() throws Exception {
        commands("one.txt", "true");
        Cli.Result zero = Cli.run(tmp, "run", "-j", "0", "one.txt");
        assertEquals(2, zero.exit());
        assertTrue(zero.err().contains("-j must be at least 1, got 0"), zero.toString());
        Cli.Result unknown = Cli.run(tmp, "run", "--nope", "one.txt");
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().contains("Unknown option: '--nope'"), unknown.toString());
        Cli.Result missing = Cli.run(tmp, "run", "no-such.txt");
        assertEquals(2, missing.exit());
        assertEquals("multiproc: error: no such file: no-such.txt", missing.err().strip());
        Files.writeString(tmp.resolve("bad.yml"), "paralelism: 4\n");
        Cli.Result badKey2 = Cli.run(tmp, "run", "--config", "bad.yml", "one.txt");
        assertEquals(2, badKey2.exit(), badKey2.toString());
        assertTrue(badKey2.err().contains("bad.yml: unknown key 'paralelism'"), badKey2.toString());
        assertEquals(1, badKey2.err().strip().lines().count(), "one line, no stack trace: " + badKey2);
        Files.writeString(tmp.resolve("worse.yml"), "parallelism: many\n");
        Cli.Result badValue = Cli.run(tmp, "run", "--config", "worse.yml", "one.txt");
        assertTrue(badValue.err().contains("parallelism must be a whole number of at least 1, got 'many'"), badValue.toString());
        Cli.Result help = Cli.run(tmp, "history", "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("Example"), help.toString());
        Cli.Result noJournal = Cli.run(tmp, "--help");
        assertEquals(0, noJournal.exit());
    }

    @Test
    void aSecondHostOnTheSameJournalIsRefusedWithTheHoldersName() throws Exception {
        commands("long.txt", "sleep 30");
        commands("other.txt", "true");
        Process run = Cli.start(tmp, "run", "long.txt");
        try {
            await("the first host", () -> Files.exists(journal().resolve("server")));
            Cli.Result second = Cli.run(tmp, "run", "other.txt");
            assertEquals(2, second.exit(), second.toString());
            assertTrue(second.err().contains("is held by another host: host pid " + run.pid()), second.toString());
        } finally {
            Cli.run(tmp, "kill", "1");
            run.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aHostWhoseJournalServerWouldNotListenOnLoopbackOnlyRefusesAtOnceAndStartsNothing() throws Exception {
        commands("one.txt", "echo ran > " + tmp.resolve("ran"));
        Cli.Result r = Cli.runWith(Map.of("JAVA_TOOL_OPTIONS", "-Dh2.bindAddress=0.0.0.0"), tmp, "run", "one.txt");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("refusing to start the journal server: H2 would listen on 0.0.0.0"), r.toString());
        assertFalse(Files.exists(tmp.resolve("ran")), "no task started");
    }

    @Test
    void benchMeasuresEveryFigureAndWhereTheCpuGoes() throws Exception {
        Cli.Result r = Cli.runWithin(java.time.Duration.ofMinutes(8), tmp, "bench", "--tasks", "300", "--rounds", "1", "--warmup", "100",
                "--jobs", "2", "--array-steps", "500",
                "--history", "200", "--active", "5", "--poll-calls", "20", "--recovery-tasks", "20", "--heap-tasks", "10000",
                "--heap-history", "2000", "--api-calls", "50", "--footprint-lines", "300", "--footprint-history", "300", "--dir", tmp.resolve("bench").toString(), "--json");
        assertEquals(0, r.exit(), r.toString());
        JsonNode all = JSON.readTree(r.out());
        assertTrue(all.path("machine").path("cores").asInt() > 0 && !all.path("machine").path("loadAverageAtEnd").asText().isEmpty(), r.out());
        JsonNode api = all.path("service");
        assertEquals(50, api.path("javaPoll").path("calls").asInt(), r.out());
        assertTrue(api.path("javaPoll").path("medianUs").asDouble() > 0 && api.path("submitsPerSecondEight").asDouble() > 0
                && api.path("arrayMs").asDouble() > 0, r.out());
        JsonNode b = all.path("local");
        JsonNode t = b.path("throughput").path(0);
        assertEquals(2, t.path("jobs").asInt(), r.out());
        assertTrue(t.path("xargs").asDouble() > 0 && t.path("multiproc").asDouble() > 0, r.out());
        JsonNode cpu = t.path("cpu");
        // CPU time comes in ticks of 10 ms: 300 tasks take more than one tick in each of these
        assertTrue(cpu.path("xargsUs").asDouble() > 0 && cpu.path("hostUs").asDouble() > 0 && cpu.path("tasksUs").asDouble() > 0, r.out());
        assertTrue(cpu.path("multiprocCoresBusy").asDouble() > 0, r.out());
        assertTrue(b.path("arraySubmitMs").asDouble() > 0 && b.path("recoveryMs").asDouble() > 0, r.out());
        assertEquals(20, b.path("poll").path("calls").asInt(), r.out());
        assertEquals(1, b.path("heap").size(), r.out());
        assertTrue(b.path("journalAfterStopBytes").asLong() > 0, r.out());
        JsonNode fp = all.path("footprint");
        for (String host : List.of("run", "service")) {
            JsonNode h = fp.path(host);
            assertEquals(300, h.path("tasks").asInt(), r.out());
            // a JVM is resident in tens of MiB, and never beyond its peak
            assertTrue(h.path("peakRssBytes").asLong() > (20L << 20) && h.path("endRssBytes").asLong() <= h.path("peakRssBytes").asLong()
                    && h.path("tasksPerSecond").asDouble() > 0, r.out());
        }
    }
}
