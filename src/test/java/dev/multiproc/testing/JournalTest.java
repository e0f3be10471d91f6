package dev.multiproc.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
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
        List<String> left = Leftovers.awaitNone(journal(), 5_000);
        Leftovers.killAll(journal());
        assertEquals(List.of(), left, "processes left behind");
    }

    protected static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < deadline, "timed out waiting for " + what);
            Thread.sleep(10);
        }
    }
}
