package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.cluster.RemoteExitInfoNotAvailableException;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Sixteen threads submit, poll, terminate and ask for exit information at once, for a minute in the slow
 * tier (set {@code -Dstress.seconds} to change it) and for three seconds in a short version (slow too), over
 * thousands of short and long tasks. Then: no deadlock, no phantom task, every task in exactly one terminal
 * state, the journal agreeing with the API, no process left behind and no file descriptor leaked.
 */
class StressTest extends JournalTest {
    private static final int THREADS = 16;

    @Test
    @Tag("slow") // stress belongs to the slow tier, with its minute-long version
    void sixteenThreadsForThreeSeconds() throws Exception {
        stress(3);
    }

    @Test
    @Tag("slow")
    void sixteenThreadsForAMinute() throws Exception {
        stress(Long.getLong("stress.seconds", 60));
    }

    private void stress(long seconds) throws Exception {
        warmUp();
        int fdsBefore = openDescriptors();
        List<String> ids = new CopyOnWriteArrayList<>();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicLong calls = new AtomicLong();
        try (MultiprocessDistributor d = Hosts.open(journal(), 8)) {
            d.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Random random = new Random(t);
                Thread thread = new Thread(() -> {
                    while (System.nanoTime() < deadline) {
                        try {
                            act(d, random, ids);
                            calls.incrementAndGet();
                        } catch (Throwable e) {
                            failures.add(e);
                            return;
                        }
                    }
                }, "stress-" + t);
                threads.add(thread);
                thread.start();
            }
            for (Thread thread : threads) {
                thread.join(Duration.ofSeconds(seconds + 60).toMillis());
                if (thread.isAlive()) {
                    throw new AssertionError("deadlock? a thread is still busy:\n" + threadDump());
                }
            }
            assertEquals(List.of(), new ArrayList<>(failures), "calls failed under load");
            // the long tasks still running finish on their own; nothing may stay active for ever
            if (!d.engine().awaitIdle(Duration.ofSeconds(60))) {
                StringBuilder why = new StringBuilder("tasks did not finish: queued " + d.engine().queuedCount() + ", running "
                        + d.engine().runningCount() + "\n");
                for (String id : d.getSubmittedOrRunning(null).stream().limit(10).toList()) {
                    String row = Hosts.jdbi(d).withHandle(h -> h.createQuery(
                            "SELECT state || ' pid ' || COALESCE(pid, -1) || ' attempt ' || attempt FROM task WHERE task_id = :id")
                            .bind("id", id).mapTo(String.class).findOne().orElse("not journaled"));
                    why.append(id).append(": ").append(row);
                    try (var files = Files.list(journal().resolve("run"))) {
                        for (Path f : files.filter(f -> f.getFileName().toString().startsWith(id + "-")).toList()) {
                            why.append(" | ").append(f.getFileName()).append(": ").append(Files.readString(f).replace('\n', ' '));
                        }
                    }
                    why.append('\n');
                }
                throw new AssertionError(why + threadDump());
            }
            assertEquals(java.util.Set.of(), d.getSubmittedOrRunning(null), "phantom tasks");
            assertEquals(java.util.Set.of(), d.getSubmittedOrRunning(new ArrayList<>(ids)), "phantom tasks");
            d.engine().flushJournal();
            Map<String, String[]> journaled = new HashMap<>();
            Hosts.jdbi(d).useHandle(h -> h.createQuery("SELECT task_id, state, status_code, message FROM task")
                    .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)})
                    .forEach(r -> journaled.put(r[0], r)));
            assertEquals(ids.size(), journaled.size(), "every acknowledged task, once, and no other");
            for (String id : ids) {
                String[] row = journaled.get(id);
                assertTrue(row != null, "not journaled: " + id);
                if (!List.of("DONE", "FAILED", "TERMINATED").contains(row[1])) {
                    Path launcherLog = journal().resolve("launcher.log");
                    throw new AssertionError(id + " ended as " + row[1] + ": " + row[3] + "\nlauncher.log: "
                            + (Files.exists(launcherLog) ? Files.readString(launcherLog) : "none"));
                }
                RemoteExitInfo info = d.getRemoteExitInfo(id);
                assertEquals(row[2], info.status().code(), id);
                assertEquals(row[3], info.message(), id);
            }
            System.out.printf("stress: %d calls, %d tasks in %ds%n", calls.get(), ids.size(), seconds);
        }
        int fdsAfter = openDescriptors();
        assertTrue(fdsAfter <= fdsBefore + 2, "file descriptors: " + fdsBefore + " before, " + fdsAfter + " after");
    }

    private static void act(MultiprocessDistributor d, Random random, List<String> ids) throws Exception {
        int op = random.nextInt(100);
        if (op < 40 && d.engine().queuedCount() > 200) {
            Thread.sleep(5); // keep the queue short: the point is contention, not a backlog
            return;
        }
        if (op < 35) {
            if (random.nextBoolean()) {
                ids.add(d.submitToBatchDistributor(random.nextBoolean() ? "true" : "sleep 0.0" + random.nextInt(10), "short", Map.of()));
            } else {
                ids.addAll(d.submitArrayToBatchDistributor("exit $((ARRAY_STEP_ID % 3))", "array", Map.of(), 2 + random.nextInt(8)).values());
            }
        } else if (op < 40) {
            ids.add(d.submitToBatchDistributor("sleep 0." + (5 + random.nextInt(5)), "long", Map.of()));
        } else if (op < 65) {
            d.getSubmittedOrRunning(random.nextInt(5) == 0 ? null : sample(ids, random, 50));
        } else if (op < 75) {
            d.terminateTaskInstances(sample(ids, random, 1 + random.nextInt(3)));
        } else if (op < 95) {
            List<String> one = sample(ids, random, 1);
            if (!one.isEmpty()) {
                try {
                    d.getRemoteExitInfo(one.get(0));
                } catch (RemoteExitInfoNotAvailableException e) {
                    // still queued or running
                }
            }
        } else {
            d.getQueueingErrors(sample(ids, random, 20));
        }
    }

    private static List<String> sample(List<String> ids, Random random, int n) {
        List<String> out = new ArrayList<>(n);
        int size = ids.size();
        for (int i = 0; i < n && size > 0; i++) {
            out.add(ids.get(random.nextInt(size)));
        }
        return out;
    }

    /** Loads every class a distributor uses, so that the descriptors of jar files opened for them are not counted as leaks. */
    private void warmUp() throws Exception {
        Path dir = tmp.resolve("warm-up");
        try (MultiprocessDistributor d = Hosts.open(dir, 2)) {
            d.start();
            String id = d.submitToBatchDistributor("exit 1", "warm", Map.of());
            d.submitArrayToBatchDistributor("true", "warm", Map.of(), 3);
            d.terminateTaskInstances(List.of(d.submitToBatchDistributor("sleep 9", "warm", Map.of())));
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)));
            d.getRemoteExitInfo(id);
            d.getQueueingErrors(List.of(id));
        }
    }

    private static int openDescriptors() throws Exception {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        }
    }

    private static String threadDump() {
        StringBuilder b = new StringBuilder();
        for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            b.append(info);
        }
        return b.toString();
    }
}
