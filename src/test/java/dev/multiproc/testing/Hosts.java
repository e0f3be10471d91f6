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
}
