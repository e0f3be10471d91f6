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

    /** The journal's database, to look inside it with SQL in a test. */
    public static org.jdbi.v3.core.Jdbi jdbi(MultiprocessDistributor d) {
        return database(d).jdbi();
    }

    public static dev.multiproc.journal.Journal database(MultiprocessDistributor d) {
        return ((dev.multiproc.journal.H2TaskJournal) d.engine().journal()).database();
    }
}
