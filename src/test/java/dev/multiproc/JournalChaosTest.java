package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.testing.Cli;
import dev.multiproc.testing.HostProcess;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.Leftovers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hosts killed with SIGKILL at random moments, again and again, on several journals, while they write
 * like real ones: no journal is ever refused, every line of a run runs exactly once, and every
 * submission a host acknowledged is there after the crashes. All of it is in the slow tier: a few kills of
 * each kind, then dozens on several journals. Each failure message carries the seed that reproduces its kill moments.
 */
class JournalChaosTest {
    @TempDir
    Path tmp;

    private final List<Path> journals = new ArrayList<>();

    @AfterEach
    void nothingLeftBehind() throws InterruptedException {
        for (Path j : journals) {
            List<String> left = Leftovers.awaitNone(j, 30_000);
            Leftovers.killAll(j);
            assertEquals(List.of(), left, "processes left behind on " + j);
        }
    }

    @Test
    @Tag("slow") // the default tier stays under 90 s; the slow tier kills many more runs below
    void aRunKilledAgainAndAgainRunsEveryLineOnce() throws Exception {
        killRuns(1, 2, 1_500);
    }

    @Test
    @Tag("slow")
    void runsKilledDozensOfTimesOnSeveralJournalsRunEveryLineOnce() throws Exception {
        killRuns(3, 10, 3_500); // 30 kills
    }

    @Test
    @Tag("slow") // chaos
    void aHostKilledAgainAndAgainWhileSubmittingKeepsEveryAcknowledgedSubmission() throws Exception {
        killSubmittingHosts(1, 2, 500);
    }

    @Test
    @Tag("slow")
    void hostsKilledDozensOfTimesOnSeveralJournalsKeepEveryAcknowledgedSubmission() throws Exception {
        killSubmittingHosts(3, 12, 1_500); // 36 kills
    }

    /**
     * {@code multiproc run} of a file, SIGKILLed at random moments (up to {@code maxMillis} after it started) and run again,
     * until the file is done; several files in turn.
     */
    void killRuns(int journalCount, int kills, int maxMillis) throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int j = 0; j < journalCount; j++) {
            Path journal = newJournal("run-journal-" + j);
            Path ledger = tmp.resolve("ledger-" + j);
            Map<String, Integer> expected = new HashMap<>();
            int file = 0;
            Path commands = writeRunFile(ledger, "f" + file, expected);
            for (int k = 0; k < kills; k++) {
                Process p = Cli.start(tmp, "run", "--journal", journal.toString(), "--no-progress", "-j", "4", commands.toString());
                boolean ended = p.waitFor(300 + random.nextInt(maxMillis), TimeUnit.MILLISECONDS);
                if (!ended) {
                    p.destroyForcibly();
                    p.waitFor(30, TimeUnit.SECONDS);
                }
                String err = Cli.err(tmp, p);
                assertFalse(err.contains("multiproc: error"), "run " + k + " on " + journal + " (seed " + seed + "): " + err);
                if (ended) {
                    assertEquals(0, p.exitValue(), "a run that ended by itself succeeded (seed " + seed + "): " + err);
                    commands = writeRunFile(ledger, "f" + ++file, expected); // the file is done: keep the load going with the next
                }
            }
            Cli.Result last = Cli.run(tmp, "run", "--journal", journal.toString(), "--no-progress", "-j", "4", commands.toString());
            assertEquals(0, last.exit(), "seed " + seed + ": " + last);
            Map<String, Integer> ran = new HashMap<>();
            for (String line : Files.readAllLines(ledger)) {
                ran.merge(line, 1, Integer::sum);
            }
            for (int f = 0; f <= file; f++) {
                Cli.Result done = Cli.run(tmp, "run", "--journal", journal.toString(), "--no-progress", commandsFile(f).toString());
                assertEquals(0, done.exit(), "resuming finished file " + f + " (seed " + seed + "): " + done);
                assertTrue(done.err().contains("0 to run or finish now"), "file " + f + " had nothing left (seed " + seed + "): " + done);
            }
            assertEquals(expected, ran, "every line of every file ran exactly once (seed " + seed + ")");
        }
    }

    private Path commandsFile(int file) {
        return tmp.resolve("commands-f" + file + ".txt");
    }

    private Path writeRunFile(Path ledger, String name, Map<String, Integer> expected) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 120; i++) {
            String mark = name + "-" + i;
            lines.add("echo " + mark + " >> " + ledger + "; sleep 0.0" + (i % 7));
            expected.put(mark, 1);
        }
        Path file = tmp.resolve("commands-" + name + ".txt");
        Files.write(file, lines);
        return file;
    }

    /**
     * A host that submits without pause while its tasks run, SIGKILLed at random moments (up to {@code maxMillis} after its
     * first acknowledgement: what it submitted, the last host runs); a new host each time.
     */
    void killSubmittingHosts(int journalCount, int kills, int maxMillis) throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int j = 0; j < journalCount; j++) {
            Path journal = newJournal("host-journal-" + j);
            Path ledger = tmp.resolve("submitted-ledger-" + j);
            Set<String> acknowledged = new HashSet<>();
            for (int k = 0; k < kills; k++) {
                try (HostProcess host = HostProcess.start(journal, 4)) { // fails if the journal is refused
                    host.send("start");
                    host.expect("STARTED");
                    host.send(random.nextBoolean() ? "burst 100000 echo $JOB_ID >> " + ledger
                            : "array 50 echo ${JOB_ID}_$ARRAY_STEP_ID >> " + ledger);
                    // the first host always lives until its load has begun, so something is acknowledged; a later one may be
                    // killed at once: during recovery and the first dispatch
                    if (k == 0 || random.nextInt(4) > 0) {
                        String first = host.next(); // the load has begun (a loaded machine may take seconds to get here)
                        collectAcks(first, acknowledged);
                        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(random.nextInt(maxMillis));
                        while (System.nanoTime() < until) {
                            collectAcks(host.poll(10), acknowledged);
                        }
                    }
                    host.kill();
                    for (String line = host.poll(5_000); line != null; line = host.poll(5_000)) {
                        collectAcks(line, acknowledged); // printed before the kill, read after
                    }
                }
            }
            try (HostProcess host = HostProcess.start(journal, 4)) {
                host.send("start");
                host.expect("STARTED");
                host.send("wait");
                host.expect("IDLE");
                host.send("close");
                host.expect("CLOSED");
            }
            Set<String> inJournal;
            try (MultiprocessDistributor d = Hosts.open(journal, 4)) {
                inJournal = new HashSet<>(Hosts.jdbi(d).withHandle(h -> h.createQuery(
                        "SELECT task_id FROM task WHERE state = 'DONE'").mapTo(String.class).list()));
                long notDone = Hosts.jdbi(d).withHandle(h -> h.createQuery(
                        "SELECT COUNT(*) FROM task WHERE state <> 'DONE'").mapTo(Long.class).one());
                assertEquals(0, notDone, "every task ended well (seed " + seed + ")");
            }
            Set<String> missing = new HashSet<>(acknowledged);
            missing.removeAll(inJournal);
            assertEquals(Set.of(), missing, "acknowledged submissions missing from the journal (seed " + seed + ")");
            List<String> ran = Files.exists(ledger) ? Files.readAllLines(ledger) : List.of();
            assertEquals(new HashSet<>(ran).size(), ran.size(), "a task ran twice (seed " + seed + ")");
            assertEquals(inJournal, new HashSet<>(ran), "every task in the journal ran, once (seed " + seed + ")");
            assertTrue(acknowledged.size() > 0, "the hosts acknowledged nothing: the test tested nothing");
        }
    }

    private static void collectAcks(String line, Set<String> acknowledged) {
        if (line != null && line.startsWith("ACK ")) {
            acknowledged.addAll(List.of(line.substring(4).split(" ")));
        }
    }

    Path newJournal(String name) throws java.io.IOException {
        Path journal = tmp.resolve(name);
        journals.add(journal);
        return journal;
    }
}
