package dev.multiproc.testing;

import dev.multiproc.MultiprocessDistributor;
import java.nio.file.Path;
import java.time.Duration;

/** Distributors for tests: short grace periods and fast watching, so tests end quickly. */
public final class Hosts {
    private Hosts() {
    }

    public static MultiprocessDistributor.Builder builder(Path journalDir, int parallelism) {
        return MultiprocessDistributor.builder()
                .clusterName("test")
                .parallelism(parallelism)
                .journalDir(journalDir)
                .killGrace(Duration.ofSeconds(1))
                .watchInterval(Duration.ofMillis(20));
    }

    public static MultiprocessDistributor open(Path journalDir, int parallelism) {
        return builder(journalDir, parallelism).build();
    }

    /**
     * Runs {@code command} as task 1 of a new journal in {@code journalDir}, in this JVM: the journal a first host
     * leaves, for a test whose subject is what comes after (a command-line host would cost a JVM).
     */
    public static void journalWithOneTaskRun(Path journalDir, String command) throws InterruptedException {
        try (MultiprocessDistributor d = open(journalDir, 1)) {
            d.start();
            d.submitToBatchDistributor(command, "one", java.util.Map.of());
            if (!d.engine().awaitIdle(Duration.ofSeconds(60))) {
                throw new AssertionError("the task did not end: " + command);
            }
        }
    }

    /** The journal's database, to look inside it with SQL in a test. */
    public static org.jdbi.v3.core.Jdbi jdbi(MultiprocessDistributor d) {
        return database(d).jdbi();
    }

    public static dev.multiproc.journal.Journal database(MultiprocessDistributor d) {
        return ((dev.multiproc.journal.H2TaskJournal) d.engine().journal()).database();
    }
}
