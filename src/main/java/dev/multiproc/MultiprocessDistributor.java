package dev.multiproc;

import dev.multiproc.config.ConfigFile;
import dev.multiproc.core.Engine;
import dev.multiproc.core.EngineDistributor;
import dev.multiproc.core.EngineSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Runs shell commands as local processes, at most {@code parallelism} at a time, behind Jobmon's
 * distributor protocol, with every submission, process and exit journaled in an H2 database so that a
 * new host on the same journal takes over where a dead one stopped.
 *
 * <pre>{@code
 * try (MultiprocessDistributor d = MultiprocessDistributor.builder()
 *         .clusterName("local").parallelism(4).journalDir(Path.of("journal")).build()) {
 *     d.start();
 *     String id = d.submitToBatchDistributor("echo hello", "greeting", Map.of());
 * }
 * }</pre>
 */
public final class MultiprocessDistributor extends EngineDistributor {

    private MultiprocessDistributor(Engine engine) {
        super(engine);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A distributor configured by a {@code config.yml}; unknown keys and bad values are errors naming the key. */
    public static MultiprocessDistributor fromConfig(Path configYml) {
        return ConfigFile.load(configYml).applyTo(builder()).build();
    }

    /** Settings of a distributor; {@link #build()} opens the journal. */
    public static final class Builder {
        private String clusterName = "multiprocess";
        private String cluster = "local";
        private String slurmPartition;
        private String slurmAccount;
        private Duration slurmPollInterval = dev.multiproc.slurm.SlurmSettings.DEFAULT_POLL_INTERVAL;
        private final Map<String, String> slurmEnvironment = new java.util.HashMap<>();
        private int parallelism = Runtime.getRuntime().availableProcessors();
        private Path journalDir;
        private int exitInfoSizeLimit = 1000;
        private Path logDir;
        private OrphanPolicy orphanPolicy = OrphanPolicy.REATTACH;
        private Duration killGrace = Duration.ofSeconds(5);
        private Duration sampleInterval = Duration.ofMillis(500);
        private Integer maxOvertakes;
        /** Jobmon's worker-node command-line tool, by the name it is installed under. */
        public static final String DEFAULT_WORKER_NODE_ENTRY_POINT = "worker_node_entry_point";

        private String workerNodeEntryPoint = DEFAULT_WORKER_NODE_ENTRY_POINT;
        private Path launcherBinary;
        private String expectedJobmonVersion = "3.4.0";
        private Duration watchInterval = Duration.ofMillis(100);
        private boolean journalServer;
        private Duration historyRetention;
        private long historyMaxTasks;
        private Duration retentionCheckInterval = Duration.ofMinutes(1);
        private boolean syncCommits = true;
        private String journalUrl;
        private Path journalCredentials;
        private String host;
        private String adoptHost;

        private Builder() {
        }

        public Builder clusterName(String clusterName) {
            this.clusterName = clusterName;
            return this;
        }

        /** Slots: how many tasks run at once, a task with {@code cores: c} counting c times. */
        public Builder parallelism(int parallelism) {
            this.parallelism = parallelism;
            return this;
        }

        /** Where the H2 journal, the task state files and the launcher binary live. Required. */
        public Builder journalDir(Path journalDir) {
            this.journalDir = journalDir;
            return this;
        }

        /** How many exit-info entries the journal keeps (oldest pruned first); older answers come from the task history. */
        public Builder exitInfoSizeLimit(int exitInfoSizeLimit) {
            this.exitInfoSizeLimit = exitInfoSizeLimit;
            return this;
        }

        /** Default directory for task output ({@code NAME.oID}, {@code NAME.eID}); without one, output is discarded. */
        public Builder logDir(Path logDir) {
            this.logDir = logDir;
            return this;
        }

        public Builder orphanPolicy(OrphanPolicy orphanPolicy) {
            this.orphanPolicy = orphanPolicy;
            return this;
        }

        /** Time between SIGTERM and SIGKILL when a task is terminated or exceeds a limit. */
        public Builder killGrace(Duration killGrace) {
            this.killGrace = killGrace;
            return this;
        }

        /** How often a task's memory is sampled (the precision of the memory limit and of peak figures). */
        public Builder sampleInterval(Duration sampleInterval) {
            this.sampleInterval = sampleInterval;
            return this;
        }

        /** How many later tasks may start ahead of a task waiting for slots; default: parallelism. */
        public Builder maxOvertakes(int maxOvertakes) {
            this.maxOvertakes = maxOvertakes;
            return this;
        }

        /**
         * The program a task runs to become a Jobmon worker node (Jobmon's {@code worker_node_entry_point}
         * command-line tool): a path, or a name found on the task's {@code PATH}. Returned as given by
         * {@link MultiprocessDistributor#workerNodeEntryPoint()}; multiproc itself never runs it.
         */
        public Builder workerNodeEntryPoint(String workerNodeEntryPoint) {
            this.workerNodeEntryPoint = workerNodeEntryPoint;
            return this;
        }

        /** The same as {@link #workerNodeEntryPoint(String)} with the path's text. */
        public Builder workerNodeEntryPoint(Path workerNodeEntryPoint) {
            return workerNodeEntryPoint(workerNodeEntryPoint == null ? null : workerNodeEntryPoint.toString());
        }

        /** Internal: start tasks with this launcher program instead of the one bundled in the jar (for tests). */
        Builder launcherBinary(Path launcherBinary) {
            this.launcherBinary = launcherBinary;
            return this;
        }

        public Builder expectedJobmonVersion(String expectedJobmonVersion) {
            this.expectedJobmonVersion = expectedJobmonVersion;
            return this;
        }

        /** How often tasks that are not children of this host (reattached ones) are checked. */
        public Builder watchInterval(Duration watchInterval) {
            this.watchInterval = watchInterval;
            return this;
        }

        /**
         * Serves the journal to other processes of this machine while this host holds it (for
         * {@code multiproc status}, {@code sql}, {@code kill}): H2's TCP server on 127.0.0.1 only, behind
         * the journal's generated passwords. Off by default.
         */
        public Builder journalServer(boolean journalServer) {
            this.journalServer = journalServer;
            return this;
        }

        /** Finished tasks submitted longer ago than this are pruned from the journal (checked every minute). Default: kept. */
        public Builder historyRetention(Duration historyRetention) {
            this.historyRetention = historyRetention;
            return this;
        }

        /** At most this many tasks stay in the journal, the newest; older finished ones are pruned. Default 0: no bound. */
        public Builder historyMaxTasks(long historyMaxTasks) {
            this.historyMaxTasks = historyMaxTasks;
            return this;
        }

        /**
         * Whether each commit's redo record is flushed to the disk ({@code fdatasync}) before the commit is
         * acknowledged, so that an acknowledged submission survives an OS crash or a power cut, not only a
         * kill of the host. On by default; off saves a disk flush per commit.
         */
        public Builder syncCommits(boolean syncCommits) {
            this.syncCommits = syncCommits;
            return this;
        }

        /**
         * Keeps the journal on a PostgreSQL server ({@code jdbc:postgresql://host:port/db}) instead of the embedded H2 file
         * in {@link #journalDir}, which still holds the task state files. Credentials: {@link #journalCredentials}, else
         * {@code MULTIPROC_JOURNAL_USER} and {@code MULTIPROC_JOURNAL_PASSWORD}. Default: the H2 journal.
         */
        public Builder journalUrl(String journalUrl) {
            this.journalUrl = journalUrl;
            return this;
        }

        /**
         * This host's name in the journal: its sessions, jobs and runs carry it, and on a PostgreSQL journal several hosts
         * of different names share, it says which tasks are this host's to recover; two hosts of one name at once are
         * refused. 1 to 63 letters, digits, '.', '_' or '-'. Default: the machine's name.
         */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /**
         * On a PostgreSQL journal: takes over the tasks, sessions and runs of the host named {@code adoptHost}, gone for
         * good, at start. It must have run on this machine (its processes and their state files are here: start this host
         * with its journal directory), and must not be running. Default: none.
         */
        public Builder adoptHost(String adoptHost) {
            this.adoptHost = adoptHost;
            return this;
        }

        /** Under {@link #journalUrl}: a file only its owner may read, with lines {@code user=NAME} and {@code password=SECRET}. */
        public Builder journalCredentials(Path journalCredentials) {
            this.journalCredentials = journalCredentials;
            return this;
        }

        /** What runs the tasks: {@code local} (processes of this machine, the default) or {@code slurm} (Slurm jobs). */
        public Builder cluster(String cluster) {
            this.cluster = cluster;
            return this;
        }

        /** Under {@code cluster("slurm")}: the partition of jobs whose task requests no {@code queue}; default: Slurm's. */
        public Builder slurmPartition(String partition) {
            this.slurmPartition = partition;
            return this;
        }

        /** Under {@code cluster("slurm")}: the account of jobs whose task requests no {@code project}; default: the user's. */
        public Builder slurmAccount(String account) {
            this.slurmAccount = account;
            return this;
        }

        /** Under {@code cluster("slurm")}: how often one squeue asks for the state of every active job; default 2 s. */
        public Builder slurmPollInterval(Duration interval) {
            this.slurmPollInterval = interval;
            return this;
        }

        /** Under {@code cluster("slurm")}: variables the Slurm commands see besides this process's ({@code SLURM_CONF}...). */
        public Builder slurmEnvironment(Map<String, String> environment) {
            this.slurmEnvironment.putAll(environment);
            return this;
        }

        /** How often retention looks for tasks to prune. */
        public Builder retentionCheckInterval(Duration retentionCheckInterval) {
            this.retentionCheckInterval = retentionCheckInterval;
            return this;
        }

        /** Validates the settings, opens and migrates the journal and starts a host session; does not start dispatching. */
        public MultiprocessDistributor build() {
            return new MultiprocessDistributor(Engine.open(settings()));
        }

        EngineSettings settings() {
            if (journalDir == null) {
                throw new IllegalArgumentException("journalDir is required: the directory where the journal lives");
            }
            if (clusterName == null || clusterName.isBlank()) {
                throw new IllegalArgumentException("clusterName must not be empty");
            }
            if (parallelism < 1) {
                throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
            }
            if (workerNodeEntryPoint == null || workerNodeEntryPoint.isBlank() || workerNodeEntryPoint.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("workerNodeEntryPoint must be a program's path or name, got '" + workerNodeEntryPoint
                        + "'");
            }
            if (exitInfoSizeLimit < 1) {
                throw new IllegalArgumentException("exitInfoSizeLimit must be at least 1, got " + exitInfoSizeLimit);
            }
            Objects.requireNonNull(orphanPolicy, "orphanPolicy");
            positive("killGrace", killGrace);
            positive("sampleInterval", sampleInterval);
            positive("watchInterval", watchInterval);
            int overtakes = maxOvertakes == null ? parallelism : maxOvertakes;
            if (overtakes < 0) {
                throw new IllegalArgumentException("maxOvertakes must not be negative, got " + overtakes);
            }
            if (historyRetention != null) {
                positive("historyRetention", historyRetention);
            }
            if (historyMaxTasks < 0) {
                throw new IllegalArgumentException("historyMaxTasks must not be negative, got " + historyMaxTasks);
            }
            positive("retentionCheckInterval", retentionCheckInterval);
            String name = host == null ? dev.multiproc.journal.HostScope.defaultName() : dev.multiproc.journal.HostScope.checkName(host);
            if (adoptHost != null) {
                dev.multiproc.journal.HostScope.checkName(adoptHost);
                if (journalUrl == null) {
                    throw new IllegalArgumentException("adoptHost (adopt_host) " + adoptHost + " needs a journal on PostgreSQL (journal_url): "
                            + "an H2 journal has one host, which its next start recovers");
                }
                if (adoptHost.equals(name)) {
                    throw new IllegalArgumentException("adoptHost (adopt_host) is this host's own name, " + name
                            + ": a host recovers its own tasks without adopting them");
                }
            }
            dev.multiproc.slurm.SlurmSettings slurm;
            if ("local".equals(cluster)) {
                slurm = null;
            } else if ("slurm".equals(cluster)) {
                slurm = new dev.multiproc.slurm.SlurmSettings(slurmPartition, slurmAccount, slurmPollInterval, slurmEnvironment);
            } else {
                throw new IllegalArgumentException("cluster must be 'local' or 'slurm', got '" + cluster + "'");
            }
            return new EngineSettings(clusterName, parallelism, journalDir, exitInfoSizeLimit, logDir, orphanPolicy, killGrace,
                    sampleInterval, overtakes, launcherBinary, workerNodeEntryPoint, expectedJobmonVersion, watchInterval, journalServer,
                    historyRetention, historyMaxTasks, retentionCheckInterval, syncCommits, slurm,
                    journalUrl == null ? null : dev.multiproc.journal.PostgresJournalSettings.resolve(journalUrl, journalCredentials, System.getenv()),
                    name, adoptHost);
        }

        private static void positive(String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be a positive duration, got " + d);
            }
        }
    }
}
