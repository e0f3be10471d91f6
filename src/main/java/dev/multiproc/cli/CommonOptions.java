package dev.multiproc.cli;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.config.ConfigFile;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
