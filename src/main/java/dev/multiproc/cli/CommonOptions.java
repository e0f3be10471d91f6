package dev.multiproc.cli;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.config.ConfigFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Option;

/** Options every command takes: which configuration, which journal, how much to say. */
final class CommonOptions {
    @Option(names = "--config", paramLabel = "PATH",
            description = "Configuration file (default: ./config.yml if present, else the built-in defaults).")
    Path config;

    @Option(names = "--journal", paramLabel = "DIR", description = "Journal directory (overrides journal_dir of the configuration).")
    Path journal;

    @Option(names = {"-v", "--verbose"}, description = "Say more: -v for info, -vv for debug and stack traces.")
    boolean[] verbose = new boolean[0];

    private ConfigFile loaded;

    /** Applies the verbosity; call first, before any logger is created. */
    void init() {
        dev.multiproc.trace.StartupTrace.mark("command line parsed");
        Verbosity.set(verbose.length);
    }

    ConfigFile config() {
        if (loaded == null) {
            if (config != null) {
                loaded = ConfigFile.load(config);
            } else if (Files.isRegularFile(Path.of("config.yml"))) {
                loaded = ConfigFile.load(Path.of("config.yml"));
            } else {
                loaded = ConfigFile.defaults();
            }
        }
        return loaded;
    }

    Path journalDir() {
        if (journal != null) {
            return journal;
        }
        Path configured = config().journalDir();
        return configured != null ? configured : Path.of(".multiproc");
    }

    MultiprocessDistributor.Builder builder() {
        return config().applyTo(MultiprocessDistributor.builder()).journalDir(journalDir());
    }

    /**
     * A host on this journal, with {@code settings} applied to {@link #builder()}. Where neither the configuration nor
     * {@code cluster} says what runs the tasks and the journal's unfinished tasks are Slurm's (they have Slurm job ids,
     * or a host on Slurm journaled them), the host is one on Slurm: a host that ran with {@code --cluster slurm} is
     * resumed, or its tasks killed, without saying it again.
     */
    MultiprocessDistributor host(String cluster, UnaryOperator<MultiprocessDistributor.Builder> settings) {
        MultiprocessDistributor.Builder b = builder();
        MultiprocessDistributor d = settings.apply(cluster != null ? b.cluster(cluster) : b).build();
        if (cluster != null || config().cluster() != null || d.engine().settings().slurm() != null) {
            return d;
        }
        boolean slurmJobs;
        try {
            slurmJobs = !d.engine().journal().slurmTasksUnfinishedBefore(d.engine().sessionId()).isEmpty();
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
        if (!slurmJobs) {
            return d;
        }
        d.close();
        return settings.apply(builder().cluster("slurm")).build();
    }
}
