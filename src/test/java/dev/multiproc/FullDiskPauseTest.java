package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.journal.RecoveryCounts;
import dev.multiproc.testing.HostProcess;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import dev.multiproc.testing.Leftovers;
import dev.multiproc.testing.StandardErrorCapture;
import dev.multiproc.testing.Tmpfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A file system that tasks need to start fills up (the journal's, or the one their logs go to): dispatch
 * pauses, with one warning, the tasks stay queued and nothing fails; once space returns every task runs,
 * exactly once. Each test mounts a small tmpfs (root only; skipped otherwise) and fills it for real.
 */
@Tag("slow") // JVMs of seconds each; CI runs the slow tier too (the default tier stays under 90 s)
class FullDiskPauseTest extends JournalTest {
    private static final String PAUSED = "dispatch paused";

    private final Map<String, String> errors = new ConcurrentHashMap<>();

    private static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    private static List<String> sorted(List<String> ids) {
        return ids.stream().sorted().toList();
    }

    private List<String> commands(int n, Path ran) {
        return IntStream.range(0, n).mapToObj(i -> "echo $JOB_ID >> " + ran).toList();
    }

    /** Waits for the pause (or, without it, for the first task to fail); every queueing error is kept in {@link #errors}. */
    private void awaitPause(StandardErrorCapture log, MultiprocessDistributor d, List<String> ids, long warnings) {
        Awaitility.await("dispatch to pause").atMost(Duration.ofSeconds(60))
                .until(() -> log.lines(PAUSED) >= warnings || !collectErrors(d, ids).isEmpty());
        assertEquals(Map.of(), errors, "no task fails for want of space");
    }

    /** While paused: nothing fails, and the tasks that have not run are still queued. */
    private void holdsWhilePaused(MultiprocessDistributor d, List<String> ids, Path ran) {
        try {
            Awaitility.await("dispatch to stay paused").during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10)).until(() -> {
                List<String> waiting = new ArrayList<>(ids);
                waiting.removeAll(lines(ran));
                return collectErrors(d, ids).isEmpty() && !waiting.isEmpty() && d.getSubmittedOrRunning(waiting).containsAll(waiting);
            });
        } finally {
            assertEquals(Map.of(), errors, "no task fails for want of space");
        }
    }

    private Map<String, String> collectErrors(MultiprocessDistributor d, List<String> ids) {
        errors.putAll(d.getQueueingErrors(ids));
        return errors;
    }

    private static void assertEachRanOnceAndIsDone(MultiprocessDistributor d, List<String> ids, Path ran) throws Exception {
        assertEquals(sorted(ids), sorted(lines(ran)), "every task ran exactly once");
        for (String id : ids) {
            assertEquals("Process exited with code 0", d.getRemoteExitInfo(id).message(), id);
        }
        d.engine().flushJournal();
        assertEquals(List.of("DONE " + ids.size()), Hosts.jdbi(d).withHandle(h -> h.createQuery(
                "SELECT state || ' ' || COUNT(*) FROM task GROUP BY state").mapTo(String.class).list()));
    }

    private static List<Integer> attempts(MultiprocessDistributor d) {
        return Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT DISTINCT attempt FROM task").mapTo(Integer.class).list());
    }

    /** The scenario of the report: the journal's disk fills up in the middle of a run of 200 tasks. */
    @Test
    void aFullJournalDiskPausesDispatchAndEveryTaskRunsOnceWhenSpaceReturns() throws Exception {
        Path ran = tmp.resolve("ran"); // outside the tmpfs
        try (Tmpfs fs = Tmpfs.mount(tmp.resolve("small"), "size=24m")) {
            Path journal = fs.dir().resolve("journal");
            try {
                try (StandardErrorCapture log = StandardErrorCapture.start(); MultiprocessDistributor d = Hosts.open(journal, 4)) {
                    d.start();
                    List<String> ids = d.engine().submitAll(
                            IntStream.range(0, 200).mapToObj(i -> "echo $JOB_ID >> " + ran + "; sleep 0.05").toList(), "short", Map.of());
                    Awaitility.await("a first few tasks to run").atMost(Duration.ofSeconds(60)).until(() -> lines(ran).size() >= 20);
                    Path ballast = fs.fillWith("ballast");
                    awaitPause(log, d, ids, 1);
                    holdsWhilePaused(d, ids, ran);
                    Files.delete(ballast);
                    assertTrue(d.engine().awaitIdle(Duration.ofSeconds(120)), "all tasks end once space returns");
                    assertEachRanOnceAndIsDone(d, ids, ran);
                    assertEquals(1, log.lines(PAUSED), "one warning for the whole shortage:\n" + log.text());
                }
                assertEquals(List.of(), Leftovers.awaitNone(journal, 30_000), "processes left behind");
            } finally {
                Leftovers.killAll(journal); // the journal is on the tmpfs: nothing of it may outlive the test
            }
        }
    }

    /**
     * Tasks' log files cannot be created (no inode left where the logs go): the task's attempt was under
     * way (its state file says so) when its output could not be opened. A task whose own log directory
     * cannot be created (by the host) waits the same way.
     */
    @Test
    void logFilesThatCannotBeCreatedHoldTasksUntilTheyCan() throws Exception {
        Path ran = tmp.resolve("ran");
        try (Tmpfs fs = Tmpfs.mount(tmp.resolve("logs"), "size=4m,nr_inodes=400");
                StandardErrorCapture log = StandardErrorCapture.start();
                MultiprocessDistributor d = Hosts.builder(journal(), 2).logDir(fs.dir().resolve("default")).build()) {
            d.start();
            Files.createDirectories(fs.dir().resolve("default"));
            Path fillers = fs.useUpInodes("fillers");
            List<String> ids = new ArrayList<>(d.engine().submitAll(commands(10, ran), "logged", Map.of()));
            ids.add(d.submitToBatchDistributor("echo $JOB_ID >> " + ran, "own", Map.of("stdout", fs.dir().resolve("own").toString())));
            awaitPause(log, d, ids, 1);
            holdsWhilePaused(d, ids, ran);
            try (Stream<Path> files = Files.list(fillers)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(60)), "all tasks end once inodes return");
            assertEachRanOnceAndIsDone(d, ids, ran);
            assertTrue(Files.exists(fs.dir().resolve("own").resolve("own.o" + ids.get(10))), "its own log directory was made");
            assertEquals(List.of(0), attempts(d), "a start that failed is retried as the same attempt (its state file is discarded)");
            Awaitility.await("the state files to go").atMost(Duration.ofSeconds(10)).until(() -> {
                try (Stream<Path> files = Files.list(journal().resolve("run"))) {
                    // a live launcher's description (launcher.PID) and socket stay
                    return files.allMatch(f -> f.getFileName().toString().startsWith("launcher."));
                }
            });
        }
    }

    /**
     * A host dies after its launcher tried to start a task whose log file could not be created, before it
     * heard of it (stopped with SIGSTOP, then killed with SIGKILL): the task's state file holds an attempt
     * that never got to run its command. The next host runs it, once.
     */
    @Test
    void aTaskWhoseStartFailedForWantOfSpaceWhenItsHostDiedRunsOnceUnderTheNextHost() throws Exception {
        Path ran = tmp.resolve("ran");
        try (Tmpfs fs = Tmpfs.mount(tmp.resolve("logs"), "size=4m,nr_inodes=400")) {
            Path logs = Files.createDirectories(fs.dir().resolve("default"));
            Path fillers;
            String first;
            String second;
            try (HostProcess host = HostProcess.start(journal(), 1, "reattach", logs.toString())) {
                host.send("start");
                host.expect("STARTED");
                // one slot: the first runs, the second waits in the launcher's queue (it is handed one task ahead)
                host.send("submit first echo $JOB_ID >> " + ran + "; while [ ! -e " + tmp.resolve("go") + " ]; do sleep 0.01; done");
                first = host.ack().get(0);
                host.send("submit second echo $JOB_ID >> " + ran);
                second = host.ack().get(0);
                Awaitility.await("the first to run").atMost(Duration.ofSeconds(30)).until(() -> lines(ran).contains(first));
                fillers = fs.useUpInodes("fillers");
                new ProcessBuilder("kill", "-STOP", Long.toString(host.pid())).start().waitFor();
                Files.createFile(tmp.resolve("go"));
                Path stateFile = journal().resolve("run").resolve(second + "-0");
                Awaitility.await("the second's start to fail").atMost(Duration.ofSeconds(30))
                        .until(() -> Files.exists(stateFile) && Files.readString(stateFile).contains("cause=spawn_error errno=28"));
                host.kill();
            }
            try (Stream<Path> files = Files.list(fillers)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            try (MultiprocessDistributor d = Hosts.builder(journal(), 1).logDir(logs).build()) {
                d.start();
                RecoveryCounts recovered = d.engine().recovery().orElseThrow();
                assertEquals(1, recovered.finishedWhileDown(), "the first ended while no host watched");
                assertEquals(1, recovered.requeued(), "the second never ran: queued again, not failed");
                assertTrue(d.engine().awaitIdle(Duration.ofSeconds(60)));
                assertEachRanOnceAndIsDone(d, List.of(first, second), ran);
            }
        }
    }

    /**
     * The state directory is full when a new host must claim the attempts the last one handed out: the claim
     * cannot be written. It is retried, with the same attempt, until space returns; each task then runs
     * once, as the attempt after the claimed one.
     */
    @Test
    void aClaimThatCannotBeWrittenIsRetriedWithTheSameAttempt() throws Exception {
        Path ran = tmp.resolve("ran");
        try (Tmpfs fs = Tmpfs.mount(journal().resolve("run"), "size=1m,mode=0700");
                StandardErrorCapture log = StandardErrorCapture.start()) {
            List<String> ids;
            MultiprocessDistributor first = Hosts.open(journal(), 2);
            Path ballast;
            try {
                first.start();
                ballast = fs.fillWith("ballast");
                ids = first.engine().submitAll(commands(5, ran), "claimed", Map.of());
                awaitPause(log, first, ids, 1);
                holdsWhilePaused(first, ids, ran);
            } finally {
                first.engine().detach();
            }
            try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
                d.start();
                awaitPause(log, d, ids, 2);
                holdsWhilePaused(d, ids, ran);
                try (Stream<Path> files = Files.list(fs.dir())) {
                    assertEquals(List.of(ballast), files.toList(), "no claim was left half-written");
                }
                Files.delete(ballast);
                assertTrue(d.engine().awaitIdle(Duration.ofSeconds(60)));
                assertEachRanOnceAndIsDone(d, ids, ran);
                assertEquals(List.of(1), attempts(d), "attempt 0 claimed, attempt 1 ran");
            }
        }
    }
}
