package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.cluster.RemoteExitInfoNotAvailableException;
import dev.multiproc.core.Engine;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * One long-lived distributor with small configured limits runs 12,000 tasks (the slow tier; 300 in the
 * default one): what it holds in memory, and what its journal keeps, stay within those limits however
 * many tasks have passed through.
 */
class HeapBoundTest extends JournalTest {
    /** Heap used after a full GC may wander by a few MiB; a leak of ~400 bytes per task would exceed this. */
    private static final long HEAP_SLACK = 8L << 20;

    /** {@code rounds} of {@code arraysPerRound} arrays of {@code array} steps, through a journal keeping {@code historyMaxTasks}. */
    private record Load(int rounds, int arraysPerRound, int array, int historyMaxTasks, int exitInfoLimit) {
    }

    @Test
    void memoryAndHistoryStayWithinTheConfiguredLimitsOver300Tasks() throws Exception {
        runWithin(new Load(3, 2, 50, 100, 30));
    }

    @Test
    @Tag("slow")
    void memoryAndHistoryStayWithinTheConfiguredLimits() throws Exception {
        runWithin(new Load(8, 6, 250, 1_000, 100));
    }

    private void runWithin(Load load) throws Exception {
        try (MultiprocessDistributor d = Hosts.builder(journal(), 8)
                .exitInfoSizeLimit(load.exitInfoLimit())
                .historyMaxTasks(load.historyMaxTasks())
                .retentionCheckInterval(Duration.ofHours(1))
                .build()) {
            d.start();
            String firstTask = null;
            long heapWarm = 0;
            List<String> heapByRound = new ArrayList<>();
            for (int round = 1; round <= load.rounds(); round++) {
                List<String> ids = new ArrayList<>();
                for (int a = 0; a < load.arraysPerRound(); a++) {
                    // one step in seven fails, so exit information carries both kinds of answer
                    ids.addAll(d.submitArrayToBatchDistributor("[ $((ARRAY_STEP_ID % 7)) -ne 3 ]", "r" + round, Map.of(), load.array())
                            .values());
                }
                if (firstTask == null) {
                    firstTask = ids.get(0);
                }
                assertTrue(d.engine().awaitIdle(Duration.ofSeconds(120)), "round " + round + " did not finish");
                assertEquals(Map.of(), d.getQueueingErrors(ids));
                assertEquals(0, d.getSubmittedOrRunning(null).size());
                // the newest answers, one of each kind: the last step (249 or 49, not 3 modulo 7) succeeded, step 3 of the last array failed
                assertEquals("Process exited with code 0", d.getRemoteExitInfo(ids.get(ids.size() - 1)).message());
                assertEquals("Process exited with code 1", d.getRemoteExitInfo(ids.get(ids.size() - load.array() + 3)).message());
                d.engine().flushJournal();
                d.engine().pruneHistory();

                // a commit's waiters are released before its after-commit actions run, which forget the answers it made durable
                await("exit information within its limit", () -> d.engine().footprint().exitInfos() <= load.exitInfoLimit());
                Engine.Footprint f = d.engine().footprint();
                assertEquals(0, f.queuedTasks(), f.toString());
                assertEquals(0, f.queuedJobs(), f.toString());
                assertEquals(0, f.handedTasks(), f.toString());
                assertEquals(0, f.queueingErrors(), f.toString());
                assertTrue(f.exitInfos() <= load.exitInfoLimit(), f.toString());
                long kept = taskRows(d);
                assertTrue(kept <= load.historyMaxTasks() + load.array(), "journal keeps " + kept + " tasks after round " + round);

                long heap = heapAfterGc();
                heapByRound.add(round * load.array() * load.arraysPerRound() + " tasks: " + (heap >> 10) + " KiB");
                if (round == 2) {
                    heapWarm = heap;
                }
            }
            long growth = heapAfterGc() - heapWarm;
            System.out.println("HeapBoundTest heap after GC: " + heapByRound);
            assertTrue(growth < HEAP_SLACK, "heap grew by " + (growth >> 10) + " KiB from round 2 to the end: " + heapByRound);

            String pruned = firstTask;
            assertThrows(RemoteExitInfoNotAvailableException.class, () -> d.getRemoteExitInfo(pruned),
                    "the first task is beyond the history limit and no longer in the journal");
        }
    }

    private static long taskRows(MultiprocessDistributor d) {
        return Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM task").mapTo(Long.class).one());
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
