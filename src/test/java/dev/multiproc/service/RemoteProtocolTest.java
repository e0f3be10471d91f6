package dev.multiproc.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.cluster.ClusterDistributor;
import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.cluster.RemoteExitInfoNotAvailableException;
import dev.multiproc.cluster.TaskInstanceStatus;
import dev.multiproc.remote.RemoteDistributor;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The protocol's calls, the same assertions against the embedded library and against RemoteDistributor talking to a
 * service over HTTP: a workflow host sees no difference.
 */
@Tag("slow") // the protocol over HTTP in both modes (12 s); ServiceApiTest covers the service in the default tier
class RemoteProtocolTest extends JournalTest {
    enum Mode { EMBEDDED, REMOTE }

    private MultiprocessDistributor embedded;
    private DistributorService service;
    private ClusterDistributor client;

    private ClusterDistributor open(Mode mode, int parallelism) throws Exception {
        embedded = Hosts.open(journal(), parallelism);
        if (mode == Mode.EMBEDDED) {
            embedded.start();
            client = embedded;
        } else {
            service = DistributorService.start(embedded, 0);
            client = RemoteDistributor.connect(journal());
            client.start();
        }
        return client;
    }

    @AfterEach
    void closeAll() {
        if (client != null && client != embedded) {
            client.stop();
            client.close();
        }
        if (service != null) {
            service.close();
        }
        if (embedded != null) {
            embedded.stop();
            embedded.close();
        }
    }

    private void awaitIdle(ClusterDistributor d) throws InterruptedException {
        await("no task queued or running", () -> d.getSubmittedOrRunning(null).isEmpty());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void singleAndArrayTasksSeeTheirIds(Mode mode) throws Exception {
        ClusterDistributor d = open(mode, 2);
        String single = d.submitToBatchDistributor("echo \"${JOB_ID}|${ARRAY_STEP_ID-unset}\" > " + tmp + "/single", "s", Map.of());
        Map<Integer, String> steps = d.submitArrayToBatchDistributor("echo \"${JOB_ID}|${ARRAY_STEP_ID}\" > " + tmp + "/step$ARRAY_STEP_ID",
                "a", Map.of(), 3);
        awaitIdle(d);
        assertEquals(single + "|unset", Files.readString(tmp.resolve("single")).trim());
        String job = steps.get(0).substring(0, steps.get(0).indexOf('_'));
        assertEquals(Set.of(0, 1, 2), steps.keySet());
        for (int step = 0; step < 3; step++) {
            assertEquals(job + "_" + step, steps.get(step));
            assertEquals(job + "|" + step, Files.readString(tmp.resolve("step" + step)).trim());
        }
        assertEquals("test", d.clusterName());
        assertEquals("worker_node_entry_point", Path.of(d.workerNodeEntryPoint()).getFileName().toString());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void exitCodesAndKillSelfAreReported(Mode mode) throws Exception {
        ClusterDistributor d = open(mode, 4);
        Map<String, String> expected = new HashMap<>();
        expected.put(d.submitToBatchDistributor("exit 0", "ok", Map.of()), "U:Process exited with code 0");
        expected.put(d.submitToBatchDistributor("exit 3", "three", Map.of()), "U:Process exited with code 3");
        expected.put(d.submitToBatchDistributor("exit 199", "kill self", Map.of()), "U:job was in kill self state");
        expected.put(d.submitToBatchDistributor("sleep 5", "slow", Map.of("runtime", 1)), "Z:");
        awaitIdle(d);
        for (Map.Entry<String, String> e : expected.entrySet()) {
            RemoteExitInfo info = d.getRemoteExitInfo(e.getKey());
            String want = e.getValue();
            assertEquals(TaskInstanceStatus.fromCode(want.substring(0, 1)), info.status(), info.toString());
            assertTrue(info.message().startsWith(want.substring(2)), info.message());
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void terminateEndsRunningTasksAndDropsQueuedOnes(Mode mode) throws Exception {
        ClusterDistributor d = open(mode, 1);
        String running = d.submitToBatchDistributor("sleep 300", "blocker", Map.of());
        String queued = d.submitToBatchDistributor("touch " + tmp + "/ran", "queued", Map.of());
        assertEquals(Set.of(running, queued), d.getSubmittedOrRunning(null));
        assertEquals(Set.of(queued), d.getSubmittedOrRunning(List.of(queued, "424242")));
        RemoteExitInfoNotAvailableException notYet = assertThrows(RemoteExitInfoNotAvailableException.class, () -> d.getRemoteExitInfo(running));
        assertTrue(notYet.getMessage().contains("not finished"), notYet.getMessage());
        d.terminateTaskInstances(List.of(queued, running, "424242"));
        awaitIdle(d);
        assertFalse(Files.exists(tmp.resolve("ran")), "the terminated queued task ran");
        assertEquals("terminated by request before it started", d.getRemoteExitInfo(queued).message());
        assertTrue(d.getRemoteExitInfo(running).message().startsWith("terminated by request"), d.getRemoteExitInfo(running).message());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void queueingErrorsArePoppedOnce(Mode mode) throws Exception {
        Path notADir = Files.writeString(tmp.resolve("file"), "x");
        ClusterDistributor d = open(mode, 2);
        String badLog = d.submitToBatchDistributor("true", "badlog", Map.of("stdout", notADir.resolve("sub").toString()));
        String fine = d.submitToBatchDistributor("true", "fine", Map.of());
        awaitIdle(d);
        Map<String, String> errors = d.getQueueingErrors(List.of(badLog, fine, "12345"));
        assertEquals(Set.of(badLog), errors.keySet());
        assertTrue(errors.get(badLog).contains("log directory"), errors.get(badLog));
        assertEquals(Map.of(), d.getQueueingErrors(List.of(badLog)), "popped errors are forgotten");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void badInputIsRefusedTheSameWay(Mode mode) throws Exception {
        ClusterDistributor d = open(mode, 1);
        IllegalArgumentException blank = assertThrows(IllegalArgumentException.class, () -> d.submitToBatchDistributor(" ", "x", Map.of()));
        assertEquals("command must not be empty or blank", blank.getMessage());
        IllegalArgumentException cores = assertThrows(IllegalArgumentException.class,
                () -> d.submitToBatchDistributor("true", "x", Map.of("cores", 5)));
        assertTrue(cores.getMessage().contains("'cores'"), cores.getMessage());
        IllegalArgumentException length = assertThrows(IllegalArgumentException.class,
                () -> d.submitArrayToBatchDistributor("true", "x", Map.of(), 0));
        assertTrue(length.getMessage().contains("arrayLength"), length.getMessage());
        assertThrows(IllegalArgumentException.class, () -> d.terminateTaskInstances(Arrays.asList("1", null)));
        assertThrows(IllegalArgumentException.class, () -> d.getQueueingErrors(null));
        RemoteExitInfoNotAvailableException unknown = assertThrows(RemoteExitInfoNotAvailableException.class,
                () -> d.getRemoteExitInfo("424242"));
        assertTrue(unknown.getMessage().contains("424242"), unknown.getMessage());
        assertThrows(RemoteExitInfoNotAvailableException.class, () -> d.getRemoteExitInfo("garbage"));
        assertEquals(Set.of(), d.getSubmittedOrRunning(null), "nothing was submitted");
    }
}
