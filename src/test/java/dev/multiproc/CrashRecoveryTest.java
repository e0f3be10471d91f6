package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.proc.ProcStat;
import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.cluster.TaskInstanceStatus;
import dev.multiproc.journal.RecoveryCounts;
import dev.multiproc.testing.HostProcess;
import dev.multiproc.testing.StandardErrorCapture;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import dev.multiproc.testing.Leftovers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The host is a second JVM that the test kills with SIGKILL; then a new host opens the same journal.
 */
class CrashRecoveryTest extends JournalTest {

    /**
     * A second JVM host runs each command (after marking that it started), is killed with SIGKILL once
     * all have started, and leaves them to the next host. Returns their ids.
     */
    private List<String> startThenKillHost(String... commands) throws Exception {
        Path marks = Files.createDirectories(tmp.resolve("marks"));
        List<String> ids = new ArrayList<>();
        try (HostProcess host = HostProcess.start(journal(), 2)) {
            host.send("start");
            host.expect("STARTED");
            for (String command : commands) {
                host.send("submit task touch " + marks + "/$JOB_ID; " + command);
                ids.addAll(host.ack());
            }
            await("the tasks to start", () -> ids.stream().allMatch(id -> Files.exists(marks.resolve(id))));
            host.kill();
        }
        return ids;
    }

    private Path stateFile(String id) {
        return journal().resolve("run").resolve(id + "-0");
    }

    private static Map<String, String> fields(Path stateFile) throws Exception {
        Map<String, String> f = new java.util.HashMap<>();
        for (String word : Files.readString(stateFile).trim().split("\\s+")) {
            if (word.indexOf('=') > 0) {
                f.put(word.substring(0, word.indexOf('=')), word.substring(word.indexOf('=') + 1));
            }
        }
        return f;
    }

    /** SIGKILLs the launcher that started a task (the parent of the task's shell), which outlives its host otherwise. */
    private static void killLauncherOf(long taskPid) throws InterruptedException {
        long launcher = ProcStat.read(taskPid).orElseThrow().ppid();
        ProcessHandle.of(launcher).ifPresent(ProcessHandle::destroyForcibly);
        await("the launcher to die", () -> !ProcStat.read(launcher).map(ProcStat::isLive).orElse(false));
    }

    private static RecoveryCounts recovered(MultiprocessDistributor d) {
        return d.engine().recovery().orElseThrow();
    }

    @Test
    @Tag("slow") // a host killed after each of many submits (12 s); JournalChaosTest kills submitting hosts too
    void everyAcknowledgedSubmissionSurvivesAKillRightAfterSubmitReturns() throws Exception {
        Random random = new Random(1);
        List<String> acknowledged = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            try (HostProcess host = HostProcess.start(journal(), 2)) {
                host.send("burst 400 true");
                int take = 1 + random.nextInt(150);
                for (int i = 0; i < take; i++) {
                    acknowledged.addAll(host.ack());
                }
                host.kill();
            }
        }
        try (MultiprocessDistributor d = Hosts.open(journal(), 8)) {
            Set<String> journaled = new HashSet<>(Hosts.jdbi(d).withHandle(h ->
                    h.createQuery("SELECT task_id FROM task").mapTo(String.class).list()));
            for (String id : acknowledged) {
                assertTrue(journaled.contains(id), "acknowledged task " + id + " was lost");
            }
            assertEquals(acknowledged.size(), new HashSet<>(acknowledged).size(), "an id was given twice");
            d.start();
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(60)));
            for (String id : acknowledged) {
                assertEquals("Process exited with code 0", d.getRemoteExitInfo(id).message());
            }
        }
    }

    @Test
    void runningTasksAreReattachedCountAgainstParallelismAndEndWithTheirTrueExitCodes() throws Exception {
        Path gate = Files.createFile(tmp.resolve("gate")); // the tasks run until the test removes it
        String gated = "while [ -e " + gate + " ]; do sleep 0.05; done; exit 5";
        List<String> ids = startThenKillHost(gated, gated);
        Path marks = tmp.resolve("marks");
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            assertEquals(2, recovered(d).reattached());
            assertEquals(Set.copyOf(ids), d.getSubmittedOrRunning(null));
            String third = d.submitToBatchDistributor("touch " + marks + "/third", "third", Map.of());
            // both slots are held by the reattached tasks (for as long as the gate stands): the third waits
            org.awaitility.Awaitility.await("the third task not to start").during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                    .until(() -> !Files.exists(marks.resolve("third")));
            assertEquals(2, d.engine().runningCount());
            Files.delete(gate);
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)));
            for (String id : ids) {
                RemoteExitInfo info = d.getRemoteExitInfo(id);
                assertEquals("Process exited with code 5", info.message());
            }
            assertEquals("Process exited with code 0", d.getRemoteExitInfo(third).message());
        } finally {
            Files.deleteIfExists(gate);
        }
    }

    @Test
    @Tag("slow") // two host JVMs; the default tier keeps the reattach, exactly-once and true-exit-code cases
    void aReattachedTaskCanBeTerminatedWithItsTree() throws Exception {
        String id = startThenKillHost("sleep 300 & echo $! > " + tmp + "/child; sleep 300").get(0);
        await("the child to be recorded", () -> Files.exists(tmp.resolve("child")));
        long child = Long.parseLong(Files.readString(tmp.resolve("child")).trim());
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            assertEquals(1, recovered(d).reattached());
            d.terminateTaskInstances(List.of(id));
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)));
            assertTrue(d.getRemoteExitInfo(id).message().startsWith("terminated by request"), d.getRemoteExitInfo(id).message());
            // the signal reaches the group at once, but a loaded machine may schedule the child's death after the shell's end
            await("the task's child to die", () -> !ProcStat.read(child).map(ProcStat::isLive).orElse(false));
        }
    }

    /** Launchers this JVM started (a host's own launcher is its child). */
    private static List<Long> launchersOfThisJvm() {
        return ProcessHandle.current().children().filter(p -> p.info().command().orElse("").contains("mpagent"))
                .map(ProcessHandle::pid).toList();
    }

    @Test
    void aReattachedTaskIsFollowedAndTerminatedThroughTheLauncherThatOutlivedItsHost() throws Exception {
        String id = startThenKillHost("sleep 300 & echo $! > " + tmp + "/child; sleep 300").get(0);
        await("the child to be recorded", () -> Files.exists(tmp.resolve("child")));
        long child = Long.parseLong(Files.readString(tmp.resolve("child")).trim());
        long taskPid = Long.parseLong(fields(stateFile(id)).get("pid"));
        long survivor = ProcStat.read(taskPid).orElseThrow().ppid();
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            assertEquals(1, recovered(d).reattached());
            d.terminateTaskInstances(List.of(id));
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)));
            assertTrue(d.getRemoteExitInfo(id).message().startsWith("terminated by request"), d.getRemoteExitInfo(id).message());
            // the signal reaches the group at once, but a loaded machine may schedule the child's death after the shell's end
            await("the task's child to die", () -> !ProcStat.read(child).map(ProcStat::isLive).orElse(false));
            // the surviving launcher ended it: this host needed no launcher of its own to reach it
            assertEquals(List.of(), launchersOfThisJvm(), "the new host started a launcher to terminate a reattached task");
        }
        await("the surviving launcher to exit after its last task", () -> !ProcStat.read(survivor).map(ProcStat::isLive).orElse(false));
    }

    @Test
    void aTaskThatFinishesWhileTheHostIsDownReportsItsTrueExitCode() throws Exception {
        Path gate = tmp.resolve("gate");
        // the task ends only once the host is dead, however long the kill takes on a loaded machine
        String id = startThenKillHost("while [ ! -e " + gate + " ]; do sleep 0.05; done; exit 7").get(0);
        Files.createFile(gate);
        await("the task to end while no host runs", () -> {
            try {
                return fields(stateFile(id)).containsKey("exit");
            } catch (Exception e) {
                return false;
            }
        });
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            assertEquals(1, recovered(d).finishedWhileDown());
            assertEquals(0, recovered(d).lost());
            assertEquals(new RemoteExitInfo(TaskInstanceStatus.UNKNOWN_ERROR, "Process exited with code 7"), d.getRemoteExitInfo(id));
        }
    }

    @Test
    @Tag("slow") // two host JVMs; the default tier keeps the reattach, exactly-once and true-exit-code cases
    void aTaskKilledWithItsLauncherWhileTheHostIsDownIsLost() throws Exception {
        String id = startThenKillHost("sleep 300").get(0);
        long task = Long.parseLong(fields(stateFile(id)).get("pid"));
        killLauncherOf(task);
        ProcessHandle.of(task).ifPresent(ProcessHandle::destroyForcibly);
        await("the task to die", () -> !ProcStat.read(task).map(ProcStat::isLive).orElse(false));
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            assertEquals(1, recovered(d).lost());
            RemoteExitInfo info = d.getRemoteExitInfo(id);
            assertEquals(TaskInstanceStatus.UNKNOWN_ERROR, info.status());
            assertTrue(info.message().contains("lost"), info.message());
            assertTrue(info.message().contains("process " + task), info.message());
            assertEquals("LOST", Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT state FROM task WHERE task_id = :id")
                    .bind("id", id).mapTo(String.class).one()));
        }
    }

    @Test
    void tasksThatNeverStartedRunExactlyOnceInSubmissionOrder() throws Exception {
        Path ledger = tmp.resolve("ledger");
        Path gate = tmp.resolve("gate");
        List<String> ids = new ArrayList<>();
        try (HostProcess host = HostProcess.start(journal(), 1)) {
            host.send("start");
            host.expect("STARTED");
            // each task waits for the gate: the first one still runs when the host dies, however slow the acks were
            host.send("burst 6 echo $JOB_ID >> " + ledger + "; while [ ! -e " + gate + " ]; do sleep 0.05; done");
            for (int i = 0; i < 6; i++) {
                ids.addAll(host.ack());
            }
            await("the first task to run", () -> Files.exists(ledger));
            host.kill();
        }
        try (MultiprocessDistributor d = Hosts.open(journal(), 1)) {
            try {
                d.start();
                assertEquals(1, recovered(d).reattached(), "recovered: " + recovered(d));
                assertEquals(5, recovered(d).requeued(), "recovered: " + recovered(d));
            } finally {
                Files.createFile(gate);
            }
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)));
        }
        assertEquals(ids, Files.readAllLines(ledger), "each task once, in submission order");
    }

    @Test
    @Tag("slow") // two JVMs and 30,000 rows (6 s); ArrayStepRowsTest keeps the writing of the rows in the default tier
    void theStepsOfALargeArrayWhoseRowsWereNotWrittenWhenTheHostDiedAreWrittenAndQueuedByTheNext() throws Exception {
        int steps = 30_000; // the submit writes 2,000 rows, the writer 5,000 a commit after it: six commits to go at the kill
        List<String> ids;
        try (HostProcess host = HostProcess.start(journal(), 1)) {
            host.send("array " + steps + " true");
            ids = host.ack();
            host.kill();
        }
        assertEquals(steps, ids.size());
        try (StandardErrorCapture log = StandardErrorCapture.start(); MultiprocessDistributor d = Hosts.open(journal(), 1)) {
            assertEquals(1, log.lines("writing the task rows of array steps that an earlier host journaled"),
                    "the host died before it wrote every step's row (else this tests nothing)");
            org.jdbi.v3.core.Jdbi jdbi = Hosts.jdbi(d);
            assertEquals(new HashSet<>(ids), new HashSet<>(jdbi.withHandle(h -> h.createQuery(
                    "SELECT task_id FROM task WHERE state = 'QUEUED'").mapTo(String.class).list())), "one queued row per step");
            int rows = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM task").mapTo(Integer.class).one());
            assertEquals(steps, rows, "no step has two rows");
            int unwritten = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM array_fill").mapTo(Integer.class).one());
            assertEquals(0, unwritten);
            d.start();
            assertEquals(steps, recovered(d).requeued(), "recovered: " + recovered(d));
            d.engine().detach(); // the steps stay queued: closing would journal the end of each
        }
    }

    @Test
    @Tag("slow") // two host JVMs; the default tier keeps the reattach, exactly-once and true-exit-code cases
    void aPidNowOwnedByAnotherProcessIsNotReattached() throws Exception {
        String id = startThenKillHost("sleep 300").get(0);
        Map<String, String> identity = fields(stateFile(id));
        long task = Long.parseLong(identity.get("pid"));
        // the task, its launcher and everything of the task end, as they must have for the kernel to give its pid away
        killLauncherOf(task);
        for (long member : dev.multiproc.proc.ProcessTrees.sessionMembers(task)) {
            ProcessHandle.of(member).ifPresent(ProcessHandle::destroyForcibly);
        }
        ProcessHandle.of(task).ifPresent(ProcessHandle::destroyForcibly);
        Process unrelated = new ProcessBuilder("sleep", "120").start();
        try {
            long unrelatedTicks = ProcStat.read(unrelated.pid()).orElseThrow().startTicks();
            assertTrue(unrelatedTicks != Long.parseLong(identity.get("start")));
            // the journaled pid now names a live process that started at another instant
            Files.writeString(stateFile(id), "pid=" + unrelated.pid() + " start=" + identity.get("start") + " t0=" + identity.get("t0")
                    + " launcher=" + identity.get("launcher") + " end\n");
            try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
                d.start();
                assertEquals(0, recovered(d).reattached());
                assertEquals(1, recovered(d).lost());
                assertTrue(d.getRemoteExitInfo(id).message().contains("lost"));
                assertTrue(unrelated.isAlive(), "the unrelated process was harmed");
            }
        } finally {
            unrelated.destroyForcibly();
            unrelated.waitFor();
        }
    }

    @Test
    @Tag("slow") // two host JVMs; the default tier keeps the reattach, exactly-once and true-exit-code cases
    void orphanPolicyKillKillsSurvivorsAndRecordsThem() throws Exception {
        List<String> ids = startThenKillHost("sleep 300 & sleep 300", "sleep 300 & sleep 300");
        try (MultiprocessDistributor d = Hosts.builder(journal(), 2).orphanPolicy(OrphanPolicy.KILL).build()) {
            d.start();
            assertEquals(2, recovered(d).killed());
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)));
            assertEquals(List.of(), Leftovers.awaitNoneButOurLauncher(journal(), 30_000), "survivors, or the dead host's launcher");
            for (String id : ids) {
                assertTrue(d.getRemoteExitInfo(id).message().startsWith("terminated by recovery"), d.getRemoteExitInfo(id).message());
            }
            d.engine().flushJournal();
            assertEquals(List.of("recovery_kill", "recovery_kill"), Hosts.jdbi(d).withHandle(h -> h.createQuery(
                    "SELECT end_cause FROM task ORDER BY job_id").mapTo(String.class).list()));
            assertEquals(2, (int) Hosts.jdbi(d).withHandle(h -> h.createQuery(
                    "SELECT killed FROM host_session ORDER BY session_id DESC LIMIT 1").mapTo(Integer.class).one()));
        }
    }

    @Test
    @Tag("slow") // two host JVMs; the default tier keeps the reattach, exactly-once and true-exit-code cases
    void anAttemptTheDeadHostsLauncherStartsLateIsFollowedAndDoesNotRunAgain() throws Exception {
        List<String> ids = new ArrayList<>();
        try (HostProcess host = HostProcess.start(journal(), 1)) {
            host.send("burst 2 touch " + tmp + "/ran-$JOB_ID");
            ids.addAll(host.ack());
            ids.addAll(host.ack());
            host.kill();
        }
        Path gate = Files.createFile(tmp.resolve("gate")); // the blocker runs until the late attempt has published
        try (MultiprocessDistributor d = Hosts.open(journal(), 1)) {
            // two: one runs, the next waits in the launcher's own queue, and the recovered tasks wait here
            String blocker = d.submitToBatchDistributor("while [ -e " + gate + " ]; do sleep 0.05; done", "blocker", Map.of());
            d.submitToBatchDistributor("sleep 0.1", "blocker", Map.of());
            d.start();
            assertEquals(2, recovered(d).requeued());
            // the dead host's launcher had started attempt 0 of the first task after all: its state file
            // appears now, while the task waits behind the blocker
            Path late = journal().resolve("run").resolve(ids.get(0) + "-0");
            long now = System.currentTimeMillis();
            Files.writeString(late, "pid=999999 start=1 t0=" + now + " end\nt1=" + now + " exit=9 sig=0 cause=exit errno=0 stage=- "
                    + "term=0 utime_us=0 stime_us=0 maxrss_kb=0 peak_kb=0 limit=0 end\n");
            Files.delete(gate);
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)));
            assertEquals("Process exited with code 9", d.getRemoteExitInfo(ids.get(0)).message());
            assertFalse(Files.exists(tmp.resolve("ran-" + ids.get(0))), "the task ran again beside its late attempt");
            assertTrue(Files.exists(tmp.resolve("ran-" + ids.get(1))));
            assertEquals("Process exited with code 0", d.getRemoteExitInfo(blocker).message());
            d.engine().flushJournal();
            assertEquals(1, (int) Hosts.jdbi(d).withHandle(h -> h.createQuery(
                    "SELECT attempt FROM task WHERE task_id = :id").bind("id", ids.get(1)).mapTo(Integer.class).one()),
                    "the second task ran as attempt 1, after claiming attempt 0");
        }
    }

    @Test
    @Tag("slow") // JournalChaosTest covers this too
    void chaosEveryTaskEndsOnceAndNoneRunsTwice() throws Exception {
        Path ledger = tmp.resolve("ledger");
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int tasks = 300;
        List<String> ids;
        try (HostProcess host = HostProcess.start(journal(), 4)) {
            host.send("array " + tasks + " echo $JOB_ID $ARRAY_STEP_ID >> " + ledger + "; sleep 0.05");
            ids = host.ack();
            host.send("start");
            host.expect("STARTED");
            Thread.sleep(200 + random.nextInt(600));
            host.kill();
        }
        for (int cycle = 0; cycle < 4; cycle++) {
            try (HostProcess host = HostProcess.start(journal(), 4)) {
                host.send("start");
                Thread.sleep(100 + random.nextInt(900)); // during recovery, dispatch or reattachment
                host.kill();
            }
        }
        try (HostProcess host = HostProcess.start(journal(), 4)) {
            host.send("start");
            host.expect("STARTED");
            host.send("wait");
            host.expect("IDLE");
            host.send("close");
            host.expect("CLOSED");
        }
        try (MultiprocessDistributor d = Hosts.open(journal(), 4)) {
            List<String> states = Hosts.jdbi(d).withHandle(h -> h.createQuery(
                    "SELECT state FROM task ORDER BY step").mapTo(String.class).list());
            assertEquals(tasks, states.size());
            assertEquals(Set.of("DONE"), Set.copyOf(states), "every task ended once, and well (seed " + seed + ")");
            for (String id : ids) {
                assertEquals("Process exited with code 0", d.getRemoteExitInfo(id).message());
            }
        }
        List<String> lines = Files.readAllLines(ledger);
        assertEquals(tasks, lines.size(), "ledger lines: some task ran twice or never (seed " + seed + ")");
        assertEquals(tasks, new HashSet<>(lines).size(), "a task ran twice (seed " + seed + ")");
    }
}
