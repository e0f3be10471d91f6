package dev.multiproc.cli;

import dev.multiproc.config.ConfigFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The run that the build records the class-data-sharing archive from ({@code target/multiproc.jsa}, used by
 * {@code bin/multiproc}): the commands people type most, in one JVM, on a journal of its own that is deleted
 * afterwards. The build lists the classes they load ({@code -XX:DumpLoadedClassList}) and dumps a static archive of
 * them, which holds them parsed and verified ahead of time.
 */
public final class CdsTraining {
    private CdsTraining() {
    }

    public static void main(String[] args) throws IOException {
        Path work = Files.createTempDirectory("multiproc-cds-");
        try {
            Path journal = work.resolve("journal");
            Path commands = Files.writeString(work.resolve("one.txt"), "true\n");
            // a configuration of its own: the working directory's (the repository's config.yml) would put logs there
            String config = Files.writeString(work.resolve("config.yml"), "journal_dir: " + journal + "\nlog_dir: "
                    + work.resolve("logs") + "\n").toString();
            ConfigFile.defaults(); // what a command without a config.yml reads: the shipped one, as the build rendered it
            int failed = 0;
            failed += Main.execute("--help") == 0 ? 0 : 1;
            failed += Main.execute("--version") == 0 ? 0 : 1;
            failed += Main.execute("run", "--no-progress", "--config", config, commands.toString()) == 0 ? 0 : 1;
            // again, as a plain command line is run (RunFastPath): a journal at this version's schema opens without Flyway,
            // through other classes
            String[] run = {"run", "--no-progress", "--config", config, commands.toString()};
            failed += RunFastPath.run(run).orElse(1) == 0 ? 0 : 1;
            failed += Main.execute("status", "--config", config) == 0 ? 0 : 1;
            String[] status = {"status", "--config", config};
            failed += StatusFastPath.run(status).orElse(1) == 0 ? 0 : 1;
            // while a host holds the journal, status reads it through the host's journal server: H2's client classes
            try (dev.multiproc.MultiprocessDistributor host = ConfigFile.load(Path.of(config))
                    .applyTo(dev.multiproc.MultiprocessDistributor.builder()).journalDir(journal).journalServer(true).build()) {
                host.start();
                failed += StatusFastPath.run(status).orElse(1) == 0 ? 0 : 1;
            }
            failed += Main.execute("history", "--config", config) == 0 ? 0 : 1;
            failed += Main.execute("sql", "--config", config, "SELECT COUNT(*) FROM task_history") == 0 ? 0 : 1;
            failed += Main.execute("logs", "--config", config, "1") == 0 ? 0 : 1;
            if (failed > 0) {
                System.err.println("multiproc: the class-data-sharing training run had " + failed + " failed commands");
                System.exit(1);
            }
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
