package dev.multiproc.slurm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.cluster.TaskInstanceStatus;
import dev.multiproc.testing.Hosts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.awaitility.Awaitility;

/**
 * Limits on the real test Slurm ({@code .ci/slurm up}), through the distributor: a job over its memory or runtime
 * ends {@code RESOURCE_ERROR} with the limit, the exit-info bound holds, what Slurm would refuse is refused at
 * submit, and a job pending for a reason that never clears is a queueing error.
 */
@Tag("slow") // Slurm jobs; CI runs the slow tier with the cluster up (the default tier stays under 90 s)
class SlurmLimitsTest extends SlurmHostTest {
    private MultiprocessDistributor open(int exitInfoSizeLimit) {
        return openOnSlurm(b -> b.exitInfoSizeLimit(exitInfoSizeLimit));
    }

    private static int rows(MultiprocessDistributor d, String table) {
        return Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + table).mapTo(Integer.class).one());
    }

    @Test
    void aJobOverItsMemoryEndsAsAResourceErrorNamingTheLimit() throws Exception {
        assumeTrue(cluster.enforcesMemory(), "this Slurm does not enforce --mem (TaskPlugin is not task/cgroup)");
        MultiprocessDistributor d = open(100);
        // dd reads into one buffer of 300 MiB: the job's cgroup passes its 100 MiB
        String hog = d.submitToBatchDistributor("dd if=/dev/zero of=/dev/null bs=300M count=50", "hog", Map.of("memory", "100M"));
        String modest = d.submitToBatchDistributor("dd if=/dev/zero of=/dev/null bs=1M count=50", "modest", Map.of("memory", "100M"));
        RemoteExitInfo info = awaitEnd(d, hog);
        assertEquals(TaskInstanceStatus.RESOURCE_ERROR, info.status(), info.message());
        assertTrue(info.message().startsWith("memory limit of 100.0 MiB exceeded"), info.message());
        assertTrue(info.message().contains("OUT_OF_MEMORY"), info.message());
        assertEquals("Process exited with code 0", awaitEnd(d, modest).message());
    }

    /** Slurm's limits are whole minutes, and slurmctld checks them every 30 s or so: over a minute and a half. */
    @Test
    @Tag("slow")
    void aJobOverItsRuntimeEndsAsAResourceErrorNamingTheLimitSlurmApplied() throws Exception {
        MultiprocessDistributor d = open(100);
        String id = d.submitToBatchDistributor("sleep 600", "slow", Map.of("runtime", "1s"));
        Awaitility.await("the runtime limit").atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(200))
                .until(() -> d.getSubmittedOrRunning(List.of(id)).isEmpty());
        RemoteExitInfo info = d.getRemoteExitInfo(id);
        assertEquals(TaskInstanceStatus.RESOURCE_ERROR, info.status(), info.message());
        assertTrue(info.message().startsWith("runtime limit of 60s (1s requested; Slurm's limits are whole minutes) exceeded after running"),
                info.message());
        assertTrue(info.message().contains("TIMEOUT"), info.message());
    }

    @Test
    void exitInfoIsBoundedAndHistoryStillAnswers() throws Exception {
        MultiprocessDistributor d = open(3);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ids.add(d.submitToBatchDistributor("exit " + i, "t" + i, Map.of()));
        }
        for (int i = 0; i < ids.size(); i++) {
            assertEquals("Process exited with code " + i, awaitEnd(d, ids.get(i)).message(), "answered from memory or history");
        }
        d.engine().flushJournal();
        assertEquals(3, rows(d, "exit_info"), "the exit_info table keeps the newest three");
        assertEquals(7, (int) Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM task WHERE state IN ('DONE', 'FAILED')")
                .mapTo(Integer.class).one()));
    }

    @Test
    void whatSlurmWouldRefuseIsRefusedAtSubmitAndNothingIsJournaled() throws Exception {
        MultiprocessDistributor d = open(100);
        refused(d, () -> d.submitToBatchDistributor("true", "long", Map.of("runtime", "3h")),
                "requested resources cannot run on Slurm: job time limit 3:00:00 is over partition");
        refused(d, () -> d.submitToBatchDistributor("true", "nowhere", Map.of("queue", "no_such_partition")),
                "requested resources cannot run on Slurm: job partition 'no_such_partition' is unknown to Slurm");
        refused(d, () -> d.submitArrayToBatchDistributor("true", "wide", Map.of(), 5000),
                "requested resources cannot run on Slurm: job array of 5000 tasks is over Slurm's MaxArraySize");
        refused(d, () -> d.submitToBatchDistributor("true", "pattern", Map.of("stdout", tmp.resolve("100%").toString())),
                "requested resources cannot run on Slurm: log directory");
        assertEquals(0, rows(d, "job"), "nothing journaled");
        assertEquals(0, rows(d, "task"), "nothing journaled");
        String ok = d.submitToBatchDistributor("exit 4", "ok", Map.of("runtime", "1h"));
        assertEquals("Process exited with code 4", awaitEnd(d, ok).message(), "the host submits on");
    }

    private static void refused(MultiprocessDistributor d, Executable submit, String start) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, submit);
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    /**
     * A job that waits on a job that failed ({@code afterok}) pends {@code DependencyNeverSatisfied} forever. It is
     * made so in a partition that is down, where it cannot start before the dependency is set.
     */
    @Test
    void aJobPendingForAReasonThatNeverClearsIsAQueueingError() throws Exception {
        assumeTrue(cluster.isOurs(), "the test makes a partition of its own, on the test Slurm only");
        String partition = "mpdown" + Long.toHexString(System.nanoTime() & 0xffffff);
        cluster.run("scontrol", "create", "PartitionName=" + partition, "Nodes=ALL", "State=DOWN");
        List<String> slurmJobs = new ArrayList<>();
        try {
            String failed = cluster.commands().submit(JobRequest.builder(JobRequest.shellScript("exit 1")).output("/dev/null").build());
            slurmJobs.add(failed);
            MultiprocessDistributor d = open(100);
            String id = d.submitToBatchDistributor("true", "stuck", Map.of("queue", partition));
            await("its Slurm job id", () -> slurmJobId(d, id) != null);
            String slurmId = slurmJobId(d, id);
            slurmJobs.add(slurmId);
            cluster.run("scontrol", "update", "JobId=" + slurmId, "Dependency=afterok:" + failed);
            await("the queueing error", () -> d.getSubmittedOrRunning(List.of(id)).isEmpty());
            String error = d.getQueueingErrors(List.of(id)).get(id);
            assertTrue(error != null && error.contains("DependencyNeverSatisfied") && error.contains(slurmId), String.valueOf(error));
            await("Slurm to cancel it", () -> cluster.commands().queue(List.of(slurmId)).stream().allMatch(j -> j.state().isFinished()));
        } finally {
            cluster.cancelAndAwaitEnd(slurmJobs);
            cluster.run("scontrol", "delete", "PartitionName=" + partition);
        }
    }
}
