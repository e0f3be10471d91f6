package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.proc.ProcStat;
import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import dev.multiproc.testing.Leftovers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Tasks that resist: terminate and stop still end them, and everything they started, within a bounded time. */
@Tag("slow") // JVMs of seconds each; CI runs the slow tier too (the default tier stays under 90 s)
class NastyTasksTest extends JournalTest {

    /**
     * {@code command} says READY once it has set up its nastiness: READY is replaced by a command that marks it. The task
     * must end within {@code maxSeconds} of the request, by the launcher's clock (when it reaped the task, as journaled):
     * the host's own delays on a loaded machine do not count, and a grace of the default 5 s instead of the host's 1 s would.
     */
    private void terminateWithin(String command, double maxSeconds) throws Exception {
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            String id = d.submitToBatchDistributor(command.replace("READY", "touch " + tmp + "/ready"), "nasty", Map.of());
            await("the task to be ready", () -> Files.exists(tmp.resolve("ready")));
            long requestedMs = System.currentTimeMillis();
            d.terminateTaskInstances(List.of(id));
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)), "terminate did not end it");
            d.engine().flushJournal();
            long endedMs = Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT ended_ms FROM task WHERE task_id = :id").bind("id", id)
                    .mapTo(Long.class).one());
            assertTrue(endedMs - requestedMs < maxSeconds * 1000, "the task ended " + (endedMs - requestedMs) + " ms after the request");
            assertTrue(d.getRemoteExitInfo(id).message().startsWith("terminated by request"), d.getRemoteExitInfo(id).message());
            assertEquals(List.of(), Leftovers.awaitNoneButOurLauncher(journal(), 30_000));
        }
    }

    @Test
    void aTaskThatIgnoresSigtermIsKilledAfterTheGracePeriod() throws Exception {
        terminateWithin("trap '' TERM; sleep 300 & trap '' TERM; READY; while :; do sleep 1; done", 1 + 2.5);
    }

    @Test
    void aTaskThatForksEndlesslyIsEndedWithAllItsChildren() throws Exception {
        // a bounded fork bomb: a child every few milliseconds, each living long
        terminateWithin("n=0; while :; do sleep 300 & sleep 0.005; n=$((n+1)); [ $n -eq 20 ] && READY; done", 1 + 2.5);
    }

    /**
     * A task that leaves a job of its own process group behind is swept up after it ends; the sweeps
     * after that must not mistake processes of session 0 (the kernel's threads, a container's init) for
     * what that task left. They once did, and the launcher then signalled its own process group.
     */
    @Test
    void sweepingUpWhatATaskLeftNeverHitsTheLauncher() throws Exception {
        try (MultiprocessDistributor d = Hosts.builder(journal(), 2).sampleInterval(Duration.ofMillis(50)).build()) {
            d.start();
            // a background process in a process group of its own, in the task's session; the task ends once it is there
            Path mark = tmp.resolve("left");
            String leaver = d.submitToBatchDistributor("perl -e 'setpgrp(0, 0); open(F, \">" + mark + "\"); print F $$; close F; "
                    + "exec \"sleep\", \"300\"' & while [ ! -s " + mark + " ]; do sleep 0.01; done", "leaver", Map.of());
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)));
            RemoteExitInfo first = d.getRemoteExitInfo(leaver);
            assertEquals("Process exited with code 0", first.message());
            long left = Long.parseLong(Files.readString(mark).trim());
            await("the sweep to end what the task left", () -> !ProcStat.read(left).map(ProcStat::isLive).orElse(false));
            // more tasks end while the swept one is still recent: each end starts sweeps again
            String longer = d.submitToBatchDistributor("sleep 2", "longer", Map.of());
            for (int i = 0; i < 5; i++) {
                d.submitToBatchDistributor("true", "short", Map.of());
                Thread.sleep(200);
            }
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)));
            RemoteExitInfo info = d.getRemoteExitInfo(longer);
            assertEquals("Process exited with code 0", info.message(), "the task that ran during the sweeps");
        }
    }

    @Test
    void aTaskThatClosesItsOutputIsEndedNormally() throws Exception {
        terminateWithin("exec 1>&- 2>&- 0<&-; READY; sleep 300", 1 + 2.5);
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
        assertEquals(List.of(), Leftovers.awaitNone(journal(), 30_000));
    }
}
