package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.testing.Cli;
import dev.multiproc.testing.Leftovers;
import dev.multiproc.testing.PostgresJournals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two hosts, each a {@code multiproc run} in a directory of its own with {@code host: alpha} or {@code host: beta} in
 * its config.yml, on one PostgreSQL journal at once: each runs its file, {@code history} shows both with their names,
 * and SIGKILLs of either at random moments lose nothing and run nothing twice.
 */
@Tag("slow") // PostgreSQL journals; CI runs the slow tier with the server up (the default tier stays under 90 s)
class SeveralHostsCommandLineTest {
    private static final List<String> HOSTS = List.of("alpha", "beta");

    @TempDir
    Path tmp;
    private PostgresJournals.Journal db;

    @BeforeEach
    void twoHostDirectories() throws IOException {
        db = PostgresJournals.create("several-hosts", tmp);
        for (String host : HOSTS) {
            Files.createDirectories(dir(host));
            List<String> config = new ArrayList<>(db.configLines());
            config.add("host: " + host);
            config.add("journal_dir: " + dir(host).resolve(".multiproc"));
            Files.write(dir(host).resolve("config.yml"), config);
        }
    }

    @AfterEach
    void nothingLeftBehind() throws InterruptedException {
        List<String> left = new ArrayList<>();
        for (String host : HOSTS) {
            left.addAll(Leftovers.awaitNone(dir(host).resolve(".multiproc"), 30_000));
            Leftovers.killAll(dir(host).resolve(".multiproc"));
        }
        if (db != null) { // null when there is no server to test with: the test was skipped
            db.database().close();
        }
        assertEquals(List.of(), left, "processes left behind");
    }

    private Path dir(String host) {
        return tmp.resolve(host);
    }

    @Test
    void twoHostsRunTheirFilesAtOnceAndHistoryShowsBoth() throws Exception {
        Map<String, Integer> expected = new HashMap<>();
        Map<String, Process> runs = new HashMap<>();
        for (String host : HOSTS) {
            writeRunFile(host, 12, expected);
            runs.put(host, Cli.start(dir(host), "run", "--no-progress", "-j", "3", "commands.txt"));
        }
        for (String host : HOSTS) {
            Process p = runs.get(host);
            assertTrue(p.waitFor(2, TimeUnit.MINUTES), host + "'s run ended");
            assertEquals(0, p.exitValue(), host + ": " + Cli.err(dir(host), p));
        }
        assertEquals(expected, ledger(), "every line of both files ran exactly once");

        Cli.Result history = Cli.run(dir("alpha"), "history", "--limit", "100", "--csv");
        assertEquals(0, history.exit(), history.toString());
        assertTrue(history.out().lines().findFirst().orElse("").contains(",host,"), "history names the hosts: " + history);
        for (String host : HOSTS) {
            assertEquals(12, history.out().lines().filter(l -> l.contains("," + host + ",")).count(), host + "'s tasks: " + history);
        }
        Cli.Result onlyBeta = Cli.run(dir("alpha"), "history", "--host", "beta", "--limit", "100", "--csv");
        assertEquals(13, onlyBeta.out().lines().count(), "a header and beta's 12 tasks: " + onlyBeta);
        Cli.Result status = Cli.run(dir("beta"), "status");
        assertTrue(status.out().contains("hosts on this journal"), status.toString());
        for (String host : HOSTS) {
            assertTrue(status.out().lines().anyMatch(l -> l.startsWith(host + " ") || l.contains(" " + host + " ")), host + ": " + status);
        }
        // no host answers for a task that is not active: kill says so at once, as on H2
        Cli.Result kill = Cli.run(dir("alpha"), "kill", "999999");
        assertEquals(1, kill.exit(), kill.toString());
        assertTrue(kill.out().contains("999999: not queued or running"), kill.toString());
        // a run's name is its host's own: beta resuming commands.txt resumes beta's run, not alpha's
        Cli.Result again = Cli.run(dir("beta"), "run", "--no-progress", "commands.txt");
        assertTrue(again.err().contains("0 to run or finish now"), again.toString());
    }

    @Test
    @Tag("slow")
    void hostsKilledAtRandomWhileTheOtherRunsLoseNothingAndRunNothingTwice() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Map<String, Integer> expected = new HashMap<>();
        for (String host : HOSTS) {
            writeRunFile(host, 120, expected);
        }
        for (int round = 0; round < 5; round++) {
            Map<String, Process> runs = new HashMap<>();
            for (String host : HOSTS) {
                runs.put(host, Cli.start(dir(host), "run", "--no-progress", "-j", "4", "commands.txt"));
            }
            for (String host : HOSTS) {
                Process p = runs.get(host);
                if (!p.waitFor(300 + random.nextInt(3_000), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly(); // SIGKILL
                    p.waitFor(30, TimeUnit.SECONDS);
                }
                String err = Cli.err(dir(host), p);
                assertFalse(err.contains("multiproc: error"), host + " round " + round + " (seed " + seed + "): " + err);
            }
        }
        for (String host : HOSTS) {
            Cli.Result last = Cli.run(dir(host), "run", "--no-progress", "-j", "4", "commands.txt");
            assertEquals(0, last.exit(), host + " (seed " + seed + "): " + last);
        }
        assertEquals(expected, ledger(), "every line of both files ran exactly once (seed " + seed + ")");
    }

    private void writeRunFile(String host, int lines, Map<String, Integer> expected) throws IOException {
        List<String> commands = new ArrayList<>();
        for (int i = 1; i <= lines; i++) {
            String mark = host + "-" + i;
            commands.add("echo " + mark + " >> " + tmp.resolve("ledger") + "; sleep 0.0" + (i % 7));
            expected.put(mark, 1);
        }
        Files.write(dir(host).resolve("commands.txt"), commands);
    }

    private Map<String, Integer> ledger() throws IOException {
        Map<String, Integer> ran = new HashMap<>();
        for (String line : Files.readAllLines(tmp.resolve("ledger"))) {
            ran.merge(line, 1, Integer::sum);
        }
        return ran;
    }
}
