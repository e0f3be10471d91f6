package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.Leftovers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmokeTest {
    @TempDir
    Path tmp;

    @Test
    void runsATaskAndAnArray() throws Exception {
        Path journal = tmp.resolve("j");
        try (MultiprocessDistributor d = Hosts.open(journal, 2)) {
            d.start();
            String id = d.submitToBatchDistributor("echo $JOB_ID > " + tmp + "/single; exit 3", "one", Map.of());
            Map<Integer, String> ids = d.submitArrayToBatchDistributor("echo $JOB_ID $ARRAY_STEP_ID > " + tmp + "/step$ARRAY_STEP_ID", "arr", Map.of(), 3);
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(20)));
            RemoteExitInfo info = d.getRemoteExitInfo(id);
            assertEquals("Process exited with code 3", info.message());
            assertEquals(id, Files.readString(tmp.resolve("single")).trim());
            for (var e : ids.entrySet()) {
                assertEquals(ids.get(0).split("_")[0] + " " + e.getKey(), Files.readString(tmp.resolve("step" + e.getKey())).trim());
            }
        }
        assertEquals(java.util.List.of(), Leftovers.of(journal));
    }
}
