package dev.multiproc.slurm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.testing.HostProcess;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import dev.multiproc.testing.SlurmCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A host on Slurm SIGKILLed mid-run: its successor settles every task exactly once, from Slurm. */
@Tag("slow")
class SlurmRecoveryTest extends JournalTest {

    @Test
    void aSuccessorSettlesEveryTaskOfAKilledHostExactlyOnce() throws Exception {
        SlurmCluster cluster = SlurmCluster.require();
        Instant t0 = Instant.now().minusSeconds(5);
        String name = "rec" + Long.toHexString(System.nanoTime());
        List<String> ids = new ArrayList<>();
        try (HostProcess host = HostProcess.start(journal(), 4, "reattach", "nosync", "slurm")) {
            host.send("start");
            host.expect("STARTED");
            // finished while no host runs, still running when the successor starts, and submitted right before the kill
            host.send("submit " + name + " exit 5");
            ids.addAll(host.ack());
            host.send("submit " + name + " sleep 4; exit 6");
            ids.addAll(host.ack());
            host.send("array 3 sleep 2; exit $((ARRAY_STEP_ID + 20))");
            ids.addAll(host.ack());
            Thread.sleep(300); // some submissions reach sbatch, some may not: both must come out once
            host.send("submit " + name + " exit 7");
            ids.addAll(host.ack());
            host.kill();
        }
        MultiprocessDistributor d = Hosts.builder(journal(), 4).cluster("slurm").slurmPollInterval(Duration.ofMillis(200))
                .slurmEnvironment(cluster.environment()).build();
        try {
            d.start();
            assertEquals(true, d.engine().awaitIdle(Duration.ofMinutes(2)), "the successor settled everything");
            Map<String, String> messages = new TreeMap<>();
            for (String id : ids) {
                messages.put(id, d.getRemoteExitInfo(id).message());
            }
            String array = ids.get(2).substring(0, ids.get(2).indexOf('_'));
            assertEquals(Map.of(ids.get(0), "Process exited with code 5", ids.get(1), "Process exited with code 6",
                    array + "_0", "Process exited with code 20", array + "_1", "Process exited with code 21",
                    array + "_2", "Process exited with code 22", ids.get(5), "Process exited with code 7"), messages);
            // every task ran as exactly one Slurm job (or array task)
            Map<String, String> slurmIds = new TreeMap<>();
            Hosts.jdbi(d).useHandle(h -> h.createQuery("SELECT task_id, slurm_job_id FROM task")
                    .map((rs, ctx) -> Map.entry(rs.getString(1), String.valueOf(rs.getString(2))))
                    .forEach(e -> slurmIds.put(e.getKey(), e.getValue())));
            assertEquals(6, slurmIds.size(), slurmIds.toString());
            assertEquals(3, cluster.commands().findByName(name, t0).size(), "the singles ran once each");
            assertEquals(3, cluster.commands().findByName("array", t0).keySet().stream()
                    .filter(k -> k.startsWith(slurmIds.get(array + "_0").split("_")[0] + "_")).count());
        } finally {
            d.close();
        }
    }
}
