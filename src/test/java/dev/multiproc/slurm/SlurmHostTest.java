package dev.multiproc.slurm;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import dev.multiproc.testing.SlurmCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A test of hosts on the real test Slurm ({@code .ci/slurm up}): each test's hosts are closed after it. */
abstract class SlurmHostTest extends JournalTest {
    protected SlurmCluster cluster;
    protected final List<MultiprocessDistributor> opened = new ArrayList<>();

    @BeforeEach
    void slurm() {
        cluster = SlurmCluster.require();
    }

    @AfterEach
    void closeAll() {
        opened.forEach(MultiprocessDistributor::close);
    }

    /** A started host on Slurm with four slots, polling every 200 ms, with what {@code settings} adds. */
    protected MultiprocessDistributor openOnSlurm(UnaryOperator<MultiprocessDistributor.Builder> settings) {
        MultiprocessDistributor d = settings.apply(Hosts.builder(journal(), 4).cluster("slurm")
                .slurmPollInterval(Duration.ofMillis(200)).slurmEnvironment(cluster.environment())).build();
        opened.add(d);
        d.start();
        return d;
    }

    protected static RemoteExitInfo awaitEnd(MultiprocessDistributor d, String id) throws Exception {
        await("task " + id + " to end", () -> d.getSubmittedOrRunning(List.of(id)).isEmpty());
        return d.getRemoteExitInfo(id);
    }

    /** The Slurm job id the journal holds for a task; null while it holds none. */
    protected static String slurmJobId(MultiprocessDistributor d, String taskId) {
        return Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT slurm_job_id FROM task WHERE task_id = :t").bind("t", taskId)
                .mapTo(String.class).findOne().orElse(null));
    }
}
