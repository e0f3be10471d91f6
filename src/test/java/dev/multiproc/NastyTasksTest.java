package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import dev.multiproc.testing.Leftovers;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tasks that resist: terminate and stop still end them, and everything they started, within a bounded time. */
class NastyTasksTest extends JournalTest {

    private void terminateWithin(String command, double maxSeconds) throws Exception {
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            String id = d.submitToBatchDistributor("touch " + tmp + "/started; " + command, "nasty", Map.of());
            await("the task to start", () -> Files.exists(tmp.resolve("started")));
            Thread.sleep(500);
            long t0 = System.nanoTime();
            d.terminateTaskInstances(List.of(id));
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)), "terminate did not end it");
            double took = (System.nanoTime() - t0) / 1e9;
            assertTrue(took < maxSeconds, "terminate took " + took + "s");
            assertTrue(d.getRemoteExitInfo(id).message().startsWith("terminated by request"), d.getRemoteExitInfo(id).message());
            assertEquals(List.of(), Leftovers.awaitNoneButOurLauncher(journal(), 5_000));
        }
    }

    @Test
    void aTaskThatIgnoresSigtermIsKilledAfterTheGracePeriod() throws Exception {
        terminateWithin("trap '' TERM; sleep 300 & trap '' TERM; while :; do sleep 1; done", 1 + 2.5);
    }

    @Test
    void aTaskThatForksEndlesslyIsEndedWithAllItsChildren() throws Exception {
        // a bounded fork bomb: a child every few milliseconds, each living long
        terminateWithin("while :; do sleep 300 & sleep 0.005; done", 1 + 2.5);
    }

    @Test
    void aTaskThatClosesItsOutputIsEndedNormally() throws Exception {
        terminateWithin("exec 1>&- 2>&- 0<&-; sleep 300", 2);
    }

    @Test
    void aTaskThatStartsItsOwnSessionIsStillEndedByStop() throws Exception {
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            d.submitToBatchDistributor("setsid sleep 300 & setsid sh -c 'trap \"\" TERM; sleep 300' & sleep 300", "escapes", Map.of());
            d.submitToBatchDistributor("trap '' TERM HUP INT; sleep 300", "stubborn", Map.of());
            await("the tasks to run", () -> Leftovers.of(journal()).size() >= 6);
            long t0 = System.nanoTime();
            d.stop();
            double took = (System.nanoTime() - t0) / 1e9;
            assertTrue(took < 1 + 12 + 5, "stop took " + took + "s");
        }
        // what left its task's session is the launcher's, as subreaper, and goes when the launcher does
        assertEquals(List.of(), Leftovers.awaitNone(journal(), 10_000));
    }
}
