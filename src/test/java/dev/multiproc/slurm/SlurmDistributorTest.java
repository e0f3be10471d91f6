package dev.multiproc.slurm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.cluster.TaskInstanceStatus;
import dev.multiproc.testing.Hosts;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The distributor on the real test Slurm ({@code .ci/slurm up}): the protocol as local tasks pass it. */
@Tag("slow") // Slurm jobs; CI runs the slow tier with the cluster up (the default tier stays under 90 s)
class SlurmDistributorTest extends SlurmHostTest {
    private MultiprocessDistributor open() {
        return openOnSlurm(b -> b.logDir(tmp.resolve("logs")));
    }

    @Test
    void exitCodesComeFromSlurmsAccounting() throws Exception {
        MultiprocessDistributor d = open();
        String ok = d.submitToBatchDistributor("echo out; echo err >&2", "ok", Map.of());
        String three = d.submitToBatchDistributor("exit 3", "three", Map.of());
        String killSelf = d.submitToBatchDistributor("exit 199", "kill-self", Map.of());
        assertEquals("Process exited with code 0", awaitEnd(d, ok).message());
        assertEquals("Process exited with code 3", awaitEnd(d, three).message());
        assertEquals("job was in kill self state", awaitEnd(d, killSelf).message());
        assertTrue(slurmJobId(d, three).matches("\\d+"), slurmJobId(d, three));
        assertEquals("out\n", java.nio.file.Files.readString(tmp.resolve("logs").resolve("ok.o" + ok)));
        assertEquals("err\n", java.nio.file.Files.readString(tmp.resolve("logs").resolve("ok.e" + ok)));
    }

    @Test
    void anArrayIsOneSlurmArrayJobWhoseStepsSeeTheirArrayStepId() throws Exception {
        MultiprocessDistributor d = open();
        long jobId = d.engine().journal().nextJobId();
        Map<Integer, String> ids = d.submitArrayToBatchDistributor("test \"$JOB_ID\" = " + jobId + " || exit 99; "
                + "exit $((ARRAY_STEP_ID + 10))", "array", Map.of(), 3);
        Set<String> slurmArrays = new TreeSet<>();
        for (Map.Entry<Integer, String> e : ids.entrySet()) {
            assertEquals("Process exited with code " + (e.getKey() + 10), awaitEnd(d, e.getValue()).message());
            String slurmId = slurmJobId(d, e.getValue());
            assertTrue(slurmId.endsWith("_" + e.getKey()), slurmId);
            slurmArrays.add(slurmId.substring(0, slurmId.indexOf('_')));
        }
        assertEquals(1, slurmArrays.size(), "one Slurm array job for the array: " + slurmArrays);
    }

    @Test
    void terminateCancelsTheJob() throws Exception {
        MultiprocessDistributor d = open();
        String id = d.submitToBatchDistributor("sleep 300", "sleeper", Map.of());
        await("the job to run", () -> d.engine().runningCount() == 1);
        d.terminateTaskInstances(List.of(id));
        RemoteExitInfo info = awaitEnd(d, id);
        assertTrue(info.message().startsWith("terminated by request"), info.message());
        assertEquals(TaskInstanceStatus.UNKNOWN_ERROR, info.status());
    }

    @Test
    void aSubmissionSlurmRefusesIsAQueueingError() throws Exception {
        MultiprocessDistributor d = open();
        // more memory than any node has: sbatch refuses it (partition limits are checked at submit, node sizes are Slurm's)
        String id = d.submitToBatchDistributor("true", "huge", Map.of("memory", "100G"));
        await("the refusal", () -> d.getSubmittedOrRunning(List.of(id)).isEmpty());
        String error = d.getQueueingErrors(List.of(id)).get(id);
        assertTrue(error != null && error.startsWith("Slurm refused the job") && error.contains("Memory specification can not be satisfied"),
                String.valueOf(error));
    }

    @Test
    void aLocalHostLeavesTheSlurmJobsOfAJournalToAHostOnSlurm() throws Exception {
        MultiprocessDistributor d = open();
        String id = d.submitToBatchDistributor("sleep 300", "sleeper", Map.of());
        await("its Slurm job id", () -> slurmJobId(d, id) != null);
        d.engine().detach(); // the job runs on, as after a crash
        opened.remove(d);
        try (MultiprocessDistributor local = Hosts.open(journal(), 4)) {
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, local::start);
            assertEquals("the journal's unfinished tasks " + id + " are Slurm jobs; a host on Slurm settles them (cluster: slurm, or "
                    + "multiproc run --cluster slurm), not a local one", e.getMessage());
        }
        MultiprocessDistributor again = open();
        assertEquals(Set.of(id), again.getSubmittedOrRunning(List.of(id)), "still running, followed by the host on Slurm");
        again.terminateTaskInstances(List.of(id));
        assertTrue(awaitEnd(again, id).message().startsWith("terminated by request"));
    }

    /**
     * Slurm splits a step off its array only to start it: steps cancelled while pending have no record of their own,
     * in squeue or sacct, only their array's. They end terminated, at once, not lost a minute later.
     */
    @Test
    void terminatingAnArrayWhoseStepsArePendingEndsEveryStepTerminated() throws Exception {
        MultiprocessDistributor d = open();
        // four cores each: two steps at most run on the eight CPUs of the test node, the rest pend
        Map<Integer, String> ids = d.submitArrayToBatchDistributor("sleep 300", "pending", Map.of("cores", 4), 6);
        await("the steps' Slurm ids", () -> ids.values().stream().allMatch(id -> slurmJobId(d, id) != null));
        long t0 = System.nanoTime();
        d.terminateTaskInstances(List.copyOf(ids.values()));
        for (String id : ids.values()) {
            RemoteExitInfo info = awaitEnd(d, id);
            assertTrue(info.message().startsWith("terminated by request"), id + ": " + info.message());
        }
        double took = (System.nanoTime() - t0) / 1e9;
        assertTrue(took < 30, "ended as soon as Slurm said so, not after a minute of not knowing them: " + took + " s");
    }
}
