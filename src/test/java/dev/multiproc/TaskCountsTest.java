package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The running and queued counts, kept as tasks start and leave, agree with what runs. */
class TaskCountsTest extends JournalTest {

    @Test
    void countsFollowTasksThroughStartEndAndTermination() throws Exception {
        Path gate = Files.createFile(tmp.resolve("gate"));
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            List<String> ids = d.engine().submitAll(List.of("while [ -e " + gate + " ]; do sleep 0.05; done", "while [ -e " + gate
                    + " ]; do sleep 0.05; done", "true", "sleep 600"), "counted", Map.of());
            await("two tasks to run and two to wait", () -> d.engine().runningCount() == 2 && d.engine().queuedCount() == 2);
            Files.delete(gate);
            await("the last task alone to run", () -> d.engine().runningCount() == 1 && d.engine().queuedCount() == 0
                    && d.getSubmittedOrRunning(null).equals(java.util.Set.of(ids.get(3))));
            d.terminateTaskInstances(List.of(ids.get(3)));
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(60)));
            assertEquals(0, d.engine().runningCount());
            assertEquals(0, d.engine().queuedCount());
        }
    }
}
