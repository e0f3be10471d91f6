package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.proc.ProcStat;
import dev.multiproc.proc.ProcessIdentity;
import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.cluster.RemoteExitInfoNotAvailableException;
import dev.multiproc.cluster.TaskInstanceStatus;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import dev.multiproc.testing.Leftovers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Each protocol call with its edge cases, against real processes and a real H2 journal. */
class DistributorProtocolTest extends JournalTest {

    private static void awaitIdle(MultiprocessDistributor d) throws InterruptedException {
        assertTrue(d.engine().awaitIdle(Duration.ofSeconds(60)), "tasks did not finish");
    }

    /** Waits for a file to hold a whole line (a task writes it with echo: it may exist before it has its text). */
    private static String awaitLine(Path file) throws InterruptedException {
        await("a line in " + file, () -> {
            try {
                return Files.readString(file).endsWith("\n");
            } catch (java.io.IOException e) {
                return false;
            }
        });
        try {
            return Files.readString(file).trim();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void singleAndArrayTasksSeeTheirIdsInTheEnvironment() throws Exception {
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            String single = d.submitToBatchDistributor("echo \"${JOB_ID}|${ARRAY_STEP_ID-unset}\" > " + tmp + "/single", "s", Map.of());
            Map<Integer, String> steps = d.submitArrayToBatchDistributor(
                    "echo \"${JOB_ID}|${ARRAY_STEP_ID-unset}\" > " + tmp + "/step$ARRAY_STEP_ID", "a", Map.of(), 3);
            awaitIdle(d);
            assertEquals(single + "|unset", Files.readString(tmp.resolve("single")).trim());
            String job = steps.get(0).substring(0, steps.get(0).indexOf('_'));
            assertEquals(Set.of(0, 1, 2), steps.keySet());
            for (int step = 0; step < 3; step++) {
                assertEquals(job + "_" + step, steps.get(step));
                assertEquals(job + "|" + step, Files.readString(tmp.resolve("step" + step)).trim());
            }
            assertTrue(Long.parseLong(job) > Long.parseLong(single), "ids increase");
        }
    }

    @Test
    void parallelismIsNeverExceededAndIsReached() throws Exception {
        int p = 3;
        Path marks = Files.createDirectories(tmp.resolve("marks"));
        Path gate = tmp.resolve("gate");
        try (MultiprocessDistributor d = Hosts.open(journal(), p)) {
            d.start();
            // the first p steps wait, once started, for the gate: they all run at once however slow the machine
            d.submitArrayToBatchDistributor("date +%s%N > " + marks + "/$ARRAY_STEP_ID.start; if [ $ARRAY_STEP_ID -lt " + p
                    + " ]; then while [ ! -e " + gate + " ]; do sleep 0.01; done; fi; sleep 0.4; date +%s%N > " + marks
                    + "/$ARRAY_STEP_ID.end", "overlap", Map.of(), 12);
            try {
                await("the first " + p + " steps to start", () -> {
                    for (int step = 0; step < p; step++) {
                        if (!Files.exists(marks.resolve(step + ".start"))) {
                            return false;
                        }
                    }
                    return true;
                });
            } finally {
                Files.createFile(gate);
            }
            awaitIdle(d);
        }
        List<long[]> events = new ArrayList<>();
        for (int step = 0; step < 12; step++) {
            events.add(new long[] {Long.parseLong(Files.readString(marks.resolve(step + ".start")).trim()), +1});
            events.add(new long[] {Long.parseLong(Files.readString(marks.resolve(step + ".end")).trim()), -1});
        }
        events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int now = 0;
        int max = 0;
        for (long[] e : events) {
            now += (int) e[1];
            max = Math.max(max, now);
        }
        assertEquals(p, max, "the most tasks running at once, as the tasks saw it");
    }

    @Test
    void terminateKillsTheTaskWithItsBackgroundChildren() throws Exception {
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            String id = d.submitToBatchDistributor("sleep 300 & echo $! > " + tmp + "/child; (sleep 300 &) ; sleep 300", "tree", Map.of());
            long pid = Long.parseLong(awaitLine(tmp.resolve("child")));
            ProcessIdentity child = new ProcessIdentity(pid, ProcStat.read(pid).orElseThrow().startTicks());
            assertTrue(child.isAlive());
            d.terminateTaskInstances(List.of(id));
            awaitIdle(d);
            assertEquals(Set.of(), d.getSubmittedOrRunning(null));
            // signalled together with the task, the child may still be dying when the task's end is recorded
            await("the background child to die with the task", () -> !child.isAlive());
            RemoteExitInfo info = d.getRemoteExitInfo(id);
            assertEquals(TaskInstanceStatus.UNKNOWN_ERROR, info.status());
            assertTrue(info.message().startsWith("terminated by request"), info.message());
            assertTrue(info.message().contains("SIGTERM"), info.message());
        }
    }

    @Test
    void aTerminatedQueuedTaskNeverRuns() throws Exception {
        try (MultiprocessDistributor d = Hosts.open(journal(), 1)) {
            d.start();
            String blocker = d.submitToBatchDistributor("sleep 300", "blocker", Map.of());
            String queued = d.submitToBatchDistributor("touch " + tmp + "/ran", "queued", Map.of());
            assertEquals(Set.of(blocker, queued), d.getSubmittedOrRunning(null));
            d.terminateTaskInstances(List.of(queued));
            // terminate waits up to 2 s for the launcher to confirm the drop; a loaded machine may take longer (not a defect)
            await("the queued task to be dropped", () -> d.getSubmittedOrRunning(null).equals(Set.of(blocker)));
            d.terminateTaskInstances(List.of(blocker));
            // one slot, in order: had the queued task stayed anywhere (here or in the launcher's queue), it would run before this one
            String after = d.submitToBatchDistributor("touch " + tmp + "/after", "after", Map.of());
            awaitIdle(d);
            assertEquals("Process exited with code 0", d.getRemoteExitInfo(after).message());
            assertFalse(Files.exists(tmp.resolve("ran")), "the terminated queued task ran");
            assertEquals("terminated by request before it started", d.getRemoteExitInfo(queued).message());
        }
    }

    @Test
    void exitCodesKillSelfAndSignalsAreReported() throws Exception {
        try (MultiprocessDistributor d = Hosts.open(journal(), 4)) {
            d.start();
            Map<String, String> expected = new HashMap<>();
            expected.put(d.submitToBatchDistributor("exit 0", "ok", Map.of()), "Process exited with code 0");
            expected.put(d.submitToBatchDistributor("exit 1", "one", Map.of()), "Process exited with code 1");
            expected.put(d.submitToBatchDistributor("exit 255", "max", Map.of()), "Process exited with code 255");
            expected.put(d.submitToBatchDistributor("exit 199", "kill self", Map.of()), "job was in kill self state");
            expected.put(d.submitToBatchDistributor("kill -9 $$", "killed", Map.of()), "Process exited with code 137 (killed by SIGKILL)");
            expected.put(d.submitToBatchDistributor("kill -SEGV $$", "segv", Map.of()), "Process exited with code 139 (killed by SIGSEGV)");
            awaitIdle(d);
            for (Map.Entry<String, String> e : expected.entrySet()) {
                RemoteExitInfo info = d.getRemoteExitInfo(e.getKey());
                assertEquals(e.getValue(), info.message());
                assertEquals(TaskInstanceStatus.UNKNOWN_ERROR, info.status());
            }
            d.engine().flushJournal();
            Map<String, Integer> codes = Hosts.jdbi(d).withHandle(h -> h.createQuery(
                    "SELECT task_id, exit_code FROM task").reduceRows(new HashMap<String, Integer>(), (m, row) -> {
                        m.put(row.getColumn("task_id", String.class), row.getColumn("exit_code", Integer.class));
                        return m;
                    }));
            assertEquals(Set.of(0, 1, 255, 199, 137, 139), Set.copyOf(codes.values()));
        }
    }

    @Test
    void exitInfoIsPrunedToItsLimitInSqlButHistoryStillAnswers() throws Exception {
        try (MultiprocessDistributor d = Hosts.builder(journal(), 4).exitInfoSizeLimit(5).build()) {
            d.start();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                ids.add(d.submitToBatchDistributor("exit " + i, "t" + i, Map.of()));
                awaitIdle(d); // one at a time, so that ends happen in submission order
            }
            d.engine().flushJournal();
            List<String> kept = Hosts.jdbi(d).withHandle(h -> h.createQuery(
                    "SELECT task_id FROM exit_info ORDER BY seq").mapTo(String.class).list());
            assertEquals(ids.subList(7, 12), kept, "the newest five, oldest pruned first");
            assertEquals(12, (int) Hosts.jdbi(d).withHandle(h -> h.createQuery(
                    "SELECT COUNT(*) FROM task WHERE state IN ('DONE', 'FAILED')").mapTo(Integer.class).one()));
            assertEquals("Process exited with code 0", d.getRemoteExitInfo(ids.get(0)).message(), "answered from history");
        }
    }

    @Test
    void manyEndsInOneCommitKeepOnlyTheNewestExitInfoNumberedAfterAllOfThem() throws Exception {
        try (MultiprocessDistributor d = Hosts.builder(journal(), 1).exitInfoSizeLimit(5).build()) {
            List<String> ids = new ArrayList<>(d.submitArrayToBatchDistributor("true", "queued", Map.of(), 20).values());
            d.terminateTaskInstances(ids); // never started: twenty ends, journaled together
            d.engine().flushJournal();
            List<Long> seqs = Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT seq FROM exit_info ORDER BY seq").mapTo(Long.class).list());
            assertEquals(List.of(16L, 17L, 18L, 19L, 20L), seqs, "the newest five of twenty");
            RemoteExitInfo kept = d.getRemoteExitInfo(ids.get(19));
            assertEquals(kept, d.getRemoteExitInfo(ids.get(0)), "one whose entry was never written answers from history alike");
        }
    }

    @Test
    void stateSurvivesACleanCloseAndReopen() throws Exception {
        String id;
        Map<Integer, String> array;
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            id = d.submitToBatchDistributor("exit 7", "seven", Map.of());
            array = d.submitArrayToBatchDistributor("exit $ARRAY_STEP_ID", "arr", Map.of(), 2);
            awaitIdle(d);
        }
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            assertEquals("Process exited with code 7", d.getRemoteExitInfo(id).message());
            assertEquals("Process exited with code 1", d.getRemoteExitInfo(array.get(1)).message());
            String next = d.submitToBatchDistributor("true", "next", Map.of());
            long arrayJob = Long.parseLong(array.get(0).split("_")[0]);
            assertTrue(Long.parseLong(next) > arrayJob, "ids are never reused: " + next + " after " + arrayJob);
            d.start();
            awaitIdle(d);
            assertTrue(d.engine().recovery().orElseThrow().total() == 0, "a clean close leaves nothing to recover");
        }
    }

    @Test
    void fourHundredInstantTasksAllLeaveTheActiveSet() throws Exception {
        instantTasksAllLeaveTheActiveSet(200);
    }

    @Test
    @Tag("slow")
    void twoThousandInstantTasksAllLeaveTheActiveSet() throws Exception {
        instantTasksAllLeaveTheActiveSet(1000);
    }

    /** An array of {@code n} steps and {@code n} single tasks, each {@code true}: none stays active, each reports its exit. */
    private void instantTasksAllLeaveTheActiveSet(int n) throws Exception {
        try (MultiprocessDistributor d = Hosts.open(journal(), 8)) {
            d.start();
            List<String> ids = new ArrayList<>(d.submitArrayToBatchDistributor("true", "instant", Map.of(), n).values());
            ids.addAll(d.engine().submitAll(java.util.Collections.nCopies(n, "true"), "instant", Map.of()));
            long deadline = System.currentTimeMillis() + 60_000;
            while (!d.getSubmittedOrRunning(ids).isEmpty()) {
                assertTrue(System.currentTimeMillis() < deadline, "phantom tasks: " + d.getSubmittedOrRunning(ids).size());
                Thread.sleep(20);
            }
            assertEquals(Set.of(), d.getSubmittedOrRunning(null));
            for (String id : ids) {
                assertEquals("Process exited with code 0", d.getRemoteExitInfo(id).message());
            }
        }
    }

    @Test
    void getSubmittedOrRunningAnswersForTheGivenIds() throws Exception {
        try (MultiprocessDistributor d = Hosts.open(journal(), 1)) {
            String done = d.submitToBatchDistributor("true", "done", Map.of());
            d.start();
            awaitIdle(d);
            String running = d.submitToBatchDistributor("sleep 300", "running", Map.of());
            Map<Integer, String> queued = d.submitArrayToBatchDistributor("true", "queued", Map.of(), 3);
            List<String> asked = new ArrayList<>(List.of(done, running, "999999", "not-an-id", queued.get(1)));
            assertEquals(Set.of(running, queued.get(1)), d.getSubmittedOrRunning(asked));
            assertEquals(Set.of(running, queued.get(0), queued.get(1), queued.get(2)), d.getSubmittedOrRunning(null));
            assertEquals(Set.of(), d.getSubmittedOrRunning(List.of()));
            d.terminateTaskInstances(List.of(running));
            awaitIdle(d);
        }
    }

    @Test
    void submissionsBeforeStartAreJournaledAndWait() throws Exception {
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            String id = d.submitToBatchDistributor("touch " + tmp + "/ran", "early", Map.of());
            assertEquals("QUEUED", Hosts.jdbi(d).withHandle(h -> h.createQuery(
                    "SELECT state FROM task WHERE task_id = :id").bind("id", id).mapTo(String.class).one()));
            assertEquals(Set.of(id), d.getSubmittedOrRunning(null));
            assertEquals(List.of(), Leftovers.of(journal()), "before start() no launcher runs, so no task can");
            assertFalse(Files.exists(tmp.resolve("ran")));
            d.start();
            d.start(); // idempotent
            awaitIdle(d);
            assertTrue(Files.exists(tmp.resolve("ran")));
        }
    }

    @Test
    void queueingErrorsArePoppedOnce() throws Exception {
        Path notADir = Files.writeString(tmp.resolve("file"), "x");
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            String tooLong = d.submitToBatchDistributor("echo " + "x".repeat(200_000), "long", Map.of());
            String badLog = d.submitToBatchDistributor("true", "badlog", Map.of("stdout", notADir.resolve("sub").toString()));
            String fine = d.submitToBatchDistributor("true", "fine", Map.of());
            awaitIdle(d);
            Map<String, String> errors = d.getQueueingErrors(List.of(tooLong, badLog, fine, "12345"));
            assertEquals(Set.of(tooLong, badLog), errors.keySet());
            assertTrue(errors.get(tooLong).contains("E2BIG"), errors.get(tooLong));
            assertTrue(errors.get(badLog).contains("log directory"), errors.get(badLog));
            assertEquals(Map.of(), d.getQueueingErrors(List.of(tooLong, badLog)), "popped errors are forgotten");
            assertEquals(0, (int) Hosts.jdbi(d).withHandle(h -> h.createQuery(
                    "SELECT COUNT(*) FROM queueing_error").mapTo(Integer.class).one()));
            assertEquals("ERROR", Hosts.jdbi(d).withHandle(h -> h.createQuery(
                    "SELECT state FROM task WHERE task_id = :id").bind("id", tooLong).mapTo(String.class).one()));
        }
    }

    @Test
    void unknownIdsAreToleratedWhereTheProtocolSaysSo() throws Exception {
        try (MultiprocessDistributor d = Hosts.open(journal(), 1)) {
            d.start();
            d.terminateTaskInstances(List.of("424242", "x_y", "424242"));
            assertEquals(Map.of(), d.getQueueingErrors(List.of("424242")));
            RemoteExitInfoNotAvailableException unknown = assertThrows(RemoteExitInfoNotAvailableException.class,
                    () -> d.getRemoteExitInfo("424242"));
            assertTrue(unknown.getMessage().contains("424242"));
            assertThrows(RemoteExitInfoNotAvailableException.class, () -> d.getRemoteExitInfo("garbage"));
            assertThrows(IllegalArgumentException.class, () -> d.getRemoteExitInfo(null));
            assertThrows(IllegalArgumentException.class, () -> d.terminateTaskInstances(Arrays.asList("1", null)));
            assertThrows(IllegalArgumentException.class, () -> d.getQueueingErrors(null));
            String running = d.submitToBatchDistributor("sleep 300", "r", Map.of());
            RemoteExitInfoNotAvailableException notYet = assertThrows(RemoteExitInfoNotAvailableException.class,
                    () -> d.getRemoteExitInfo(running));
            assertTrue(notYet.getMessage().contains("not finished"), notYet.getMessage());
            d.terminateTaskInstances(List.of(running));
            awaitIdle(d);
        }
    }

    @Test
    void stopTerminatesQueuedAndRunningAndLeavesNothing() throws Exception {
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            Map<Integer, String> ids = d.submitArrayToBatchDistributor("sleep 300 & sleep 300", "long", Map.of(), 5);
            await("two tasks journaled as running", () -> Hosts.jdbi(d).withHandle(h -> h.createQuery(
                    "SELECT COUNT(*) FROM task WHERE state = 'RUNNING'").mapTo(Integer.class).one()) >= 2);
            d.stop();
            assertEquals(Set.of(), d.getSubmittedOrRunning(null));
            assertEquals(List.of(), Leftovers.of(journal()));
            for (String id : ids.values()) {
                assertTrue(d.getRemoteExitInfo(id).message().startsWith("terminated by stop()"), d.getRemoteExitInfo(id).message());
            }
            d.stop(); // twice is fine
            d.start(); // and it can start again
            String after = d.submitToBatchDistributor("true", "after", Map.of());
            awaitIdle(d);
            assertEquals("Process exited with code 0", d.getRemoteExitInfo(after).message());
        }
    }

    @Test
    void callsAfterCloseFailClearly() {
        MultiprocessDistributor d = Hosts.open(journal(), 1);
        d.close();
        d.close(); // idempotent
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> d.submitToBatchDistributor("true", "x", Map.of()));
        assertEquals("the distributor is closed", e.getMessage());
        assertThrows(IllegalStateException.class, d::start);
        assertThrows(IllegalStateException.class, () -> d.getSubmittedOrRunning(null));
    }

    @Test
    void workerNodeCommandsAndEntryPoint() {
        try (MultiprocessDistributor d = Hosts.builder(journal(), 1).expectedJobmonVersion("3.4.1").build()) {
            assertEquals("worker_node_job --task_instance_id 12 --expected_jobmon_version 3.4.1 --cluster_name test",
                    d.buildWorkerNodeCommand(12, null, null));
            assertEquals("worker_node_array --array_id 3 --batch_number 4 --expected_jobmon_version 3.4.1 --cluster_name test",
                    d.buildWorkerNodeCommand(null, 3, 4));
            assertThrows(IllegalArgumentException.class, () -> d.buildWorkerNodeCommand(null, 3, null));
            assertEquals("test", d.clusterName());
        }
    }

    /**
     * The entry point is Jobmon's worker-node program, not multiproc's launcher: by default its name, found on the
     * task's PATH; a workflow host runs it with buildWorkerNodeCommand's words, as Jobmon's distributors submit
     * {@code worker_node_entry_point + " " + command}.
     */
    @Test
    void theWorkerNodeEntryPointIsWhatATaskRunsToBeAWorkerNode() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path onPath = fakeEntryPoint(bin.resolve(MultiprocessDistributor.Builder.DEFAULT_WORKER_NODE_ENTRY_POINT), "on-path");
        Path configured = fakeEntryPoint(tmp.resolve("jobmon-worker"), "configured");
        try (MultiprocessDistributor d = Hosts.open(journal(), 1)) {
            assertEquals("worker_node_entry_point", d.workerNodeEntryPoint(), "the default is Jobmon's program, by name");
            d.start();
            d.submitToBatchDistributor("PATH=" + bin + ":$PATH " + d.workerNodeEntryPoint() + " " + d.buildWorkerNodeCommand(7, null, null),
                    "wn", Map.of());
            awaitIdle(d);
        }
        assertEquals("worker_node_job --task_instance_id 7 --expected_jobmon_version 3.4.0 --cluster_name test",
                awaitLine(tmp.resolve("on-path")));
        Path config = Files.writeString(tmp.resolve("config.yml"), "cluster_name: test\njournal_dir: " + journal()
                + "\nworker_node_entry_point: " + configured + "\n");
        try (MultiprocessDistributor d = MultiprocessDistributor.fromConfig(config)) {
            assertEquals(configured.toString(), d.workerNodeEntryPoint(), "as configured, and as given");
            d.start();
            d.submitArrayToBatchDistributor(d.workerNodeEntryPoint() + " " + d.buildWorkerNodeCommand(null, 3, 4), "wn", Map.of(), 1);
            awaitIdle(d);
        }
        assertEquals("worker_node_array --array_id 3 --batch_number 4 --expected_jobmon_version 3.4.0 --cluster_name test",
                awaitLine(tmp.resolve("configured")));
        try (MultiprocessDistributor d = Hosts.builder(journal(), 1).workerNodeEntryPoint("/opt/jobmon/bin/worker_node_entry_point")
                .build()) {
            assertEquals("/opt/jobmon/bin/worker_node_entry_point", d.workerNodeEntryPoint(), "never resolved or checked by the host");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Hosts.builder(journal(), 1).workerNodeEntryPoint(" ").build());
        assertTrue(e.getMessage().startsWith("workerNodeEntryPoint must be"), e.getMessage());
    }

    /** A stand-in for Jobmon's worker_node_entry_point that writes its arguments to {@code tmp/OUT}. */
    private Path fakeEntryPoint(Path program, String out) throws java.io.IOException {
        Files.writeString(program, "#!/bin/sh\necho \"$*\" > " + tmp.resolve(out) + "\n");
        Files.setPosixFilePermissions(program, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        return program;
    }
}
