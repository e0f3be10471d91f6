package dev.multiproc.slurm;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.OrphanPolicy;
import dev.multiproc.config.ConfigFile;
import dev.multiproc.core.EngineDistributor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The journaled distributor with its tasks run as Slurm jobs: the same protocol, journal, restart safety and
 * command line as {@link MultiprocessDistributor}, which it is with {@code cluster: slurm}. A task is journaled,
 * then submitted with sbatch (an array as ONE Slurm array job), its Slurm id journaled right after; one squeue
 * per poll interval follows every active job, sacct says how each ended, terminate is scancel.
 *
 * <pre>{@code
 * try (SlurmDistributor d = SlurmDistributor.builder().clusterName("slurm").journalDir(Path.of("journal"))
 *         .partition("debug").build()) {
 *     d.start();
 *     String id = d.submitToBatchDistributor("echo hello", "greeting", Map.of("memory", "1G"));
 * }
 * }</pre>
 */
public final class SlurmDistributor extends EngineDistributor {

    private SlurmDistributor(MultiprocessDistributor distributor) {
        super(distributor.engine());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A distributor configured by a {@code config.yml} (its {@code slurm:} section included), on Slurm whatever its {@code cluster} says. */
    public static SlurmDistributor fromConfig(Path configYml) {
        return new SlurmDistributor(ConfigFile.load(configYml).applyTo(MultiprocessDistributor.builder()).cluster("slurm").build());
    }

    /** Settings of a Slurm distributor; {@link #build()} opens the journal. Unset settings keep MultiprocessDistributor's defaults. */
    public static final class Builder {
        private final MultiprocessDistributor.Builder b = MultiprocessDistributor.builder().cluster("slurm");

        private Builder() {
        }

        public Builder clusterName(String name) {
            b.clusterName(name);
            return this;
        }

        public Builder journalDir(Path dir) {
            b.journalDir(dir);
            return this;
        }

        /** The partition of jobs whose task requests no {@code queue}; default: Slurm's default partition. */
        public Builder partition(String partition) {
            b.slurmPartition(partition);
            return this;
        }

        /** The account of jobs whose task requests no {@code project}; default: the user's default account. */
        public Builder account(String account) {
            b.slurmAccount(account);
            return this;
        }

        /** How often one squeue asks for the state of every active job; default 2 s. */
        public Builder pollInterval(Duration interval) {
            b.slurmPollInterval(interval);
            return this;
        }

        /** Variables the Slurm commands see besides this process's environment ({@code SLURM_CONF}...). */
        public Builder slurmEnvironment(Map<String, String> environment) {
            b.slurmEnvironment(environment);
            return this;
        }

        public Builder exitInfoSizeLimit(int limit) {
            b.exitInfoSizeLimit(limit);
            return this;
        }

        /** Directory of the tasks' NAME.oID and NAME.eID files; it must be reachable from the compute nodes. */
        public Builder logDir(Path dir) {
            b.logDir(dir);
            return this;
        }

        public Builder orphanPolicy(OrphanPolicy policy) {
            b.orphanPolicy(policy);
            return this;
        }

        public Builder syncCommits(boolean sync) {
            b.syncCommits(sync);
            return this;
        }

        public Builder journalServer(boolean serve) {
            b.journalServer(serve);
            return this;
        }

        public Builder workerNodeEntryPoint(String entryPoint) {
            b.workerNodeEntryPoint(entryPoint);
            return this;
        }

        public Builder expectedJobmonVersion(String version) {
            b.expectedJobmonVersion(version);
            return this;
        }

        public SlurmDistributor build() {
            return new SlurmDistributor(b.build());
        }
    }
}
