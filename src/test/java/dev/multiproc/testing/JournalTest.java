package dev.multiproc.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** A test with its own journal in a temporary directory, which must leave no process of that journal behind. */
public abstract class JournalTest {
    @TempDir
    protected Path tmp;

    protected Path journal() {
        return tmp.resolve("journal");
    }

    @AfterEach
    void nothingLeftBehind() throws InterruptedException {
        Leftovers.assertNoneLeft(journal(), "processes left behind");
    }

    /**
     * Waits for {@code condition}, checked every 10 ms, for at most a minute: on a loaded machine a cold JVM
     * alone can take half of that, and a condition that holds ends the wait at once.
     */
    protected static void await(String what, BooleanSupplier condition) throws InterruptedException {
        await(what, Duration.ofSeconds(60), condition);
    }

    /** As {@link #await(String, BooleanSupplier)}, for at most {@code atMost}. */
    protected static void await(String what, Duration atMost, BooleanSupplier condition) throws InterruptedException {
        Awaitility.await(what).atMost(atMost).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10)).until(condition::getAsBoolean);
    }
}
