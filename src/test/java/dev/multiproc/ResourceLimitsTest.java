package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.proc.ProcStat;
import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.cluster.TaskInstanceStatus;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Requested resources that mean something: cores as slots, runtime and memory limits, usage figures. */
@Tag("slow") // JVMs of seconds each; CI runs the slow tier too (the default tier stays under 90 s)
class ResourceLimitsTest extends JournalTest {

    /** Each task records its start and end (ns) in marks/NAME.start and .end. */
    private String marked(String name, String body) {
        Path marks = tmp.resolve("marks");
        return "date +%s%N > " + marks + "/" + name + ".start; " + body + "; date +%s%N > " + marks + "/" + name + ".end";
    }

    private long mark(String name, String which) throws Exception {
        return Long.parseLong(Files.readString(tmp.resolve("marks").resolve(name + "." + which)).trim());
    }

    @Test
    void aTwoCoreTaskNeverOverlapsMoreThanParallelismMinusTwoOthers() throws Exception {
        Files.createDirectories(tmp.resolve("marks"));
        int p = 4;
        List<String> narrow = new ArrayList<>();
        try (MultiprocessDistributor d = Hosts.open(journal(), p)) {
            d.start();
            for (int i = 0; i < 6; i++) {
                narrow.add("n" + i);
                d.submitToBatchDistributor(marked("n" + i, "sleep 0.4"), "narrow", Map.of());
            }
            d.submitToBatchDistributor(marked("wide", "sleep 1"), "wide", Map.of("cores", 2));
            for (int i = 6; i < 14; i++) {
                narrow.add("n" + i);
                d.submitToBatchDistributor(marked("n" + i, "sleep 0.4"), "narrow", Map.of());
            }
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(60)));
        }
        long wideStart = mark("wide", "start");
        long wideEnd = mark("wide", "end");
        int maxOverlap = 0;
        // at every start of a narrow task while the wide one runs, count the narrow tasks running
        for (String n : narrow) {
            long s = mark(n, "start");
            if (s < wideStart || s > wideEnd) {
                continue;
            }
            int overlapping = 0;
            for (String o : narrow) {
                if (mark(o, "start") <= s && mark(o, "end") > s) {
                    overlapping++;
                }
            }
            maxOverlap = Math.max(maxOverlap, overlapping);
        }
        assertTrue(maxOverlap <= p - 2, "narrow tasks running beside the 2-core task: " + maxOverlap);
        // and the slots are used: across the whole run, 4 narrow tasks ran together at some point
        int most = 0;
        for (String n : narrow) {
            long s = mark(n, "start");
            int running = 0;
            for (String o : narrow) {
                if (mark(o, "start") <= s && mark(o, "end") > s) {
                    running++;
                }
            }
            most = Math.max(most, running);
        }
        assertEquals(p, most, "all slots in use when only narrow tasks wait");
    }

    @Test
    void aWideTaskIsNotStarvedByAStreamOfNarrowOnes() throws Exception {
        Files.createDirectories(tmp.resolve("marks"));
        try (MultiprocessDistributor d = Hosts.builder(journal(), 2).maxOvertakes(2).build()) {
            d.start();
            for (int i = 0; i < 4; i++) {
                d.submitToBatchDistributor(marked("before" + i, "sleep 0.3"), "narrow", Map.of());
            }
            d.submitToBatchDistributor(marked("wide", "sleep 0.2"), "wide", Map.of("cores", 2));
            for (int i = 0; i < 30; i++) {
                d.submitToBatchDistributor(marked("after" + i, "sleep 0.1"), "narrow", Map.of());
            }
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(60)));
        }
        long wide = mark("wide", "start");
        int overtook = 0;
        for (int i = 0; i < 30; i++) {
            if (mark("after" + i, "start") < wide) {
                overtook++;
            }
        }
        // bounded: the overtakes allowed, plus what was already handed to the launcher's short queue
        assertTrue(overtook <= 6, "narrow tasks submitted after the wide one started before it: " + overtook);
    }

    @Test
    void coresAboveTheSlotsAreASubmitTimeError() {
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> d.submitToBatchDistributor("true", "too wide", Map.of("cores", 3)));
            assertTrue(e.getMessage().contains("cores") && e.getMessage().contains("2 slots"), e.getMessage());
        }
    }

    @Test
    void aTaskOverItsRuntimeEndsAsAResourceErrorWithItsChildren() throws Exception {
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            long t0 = System.nanoTime();
            String id = d.submitToBatchDistributor("sleep 300 & echo $! > " + tmp + "/child; trap '' TERM; sleep 300", "slow",
                    Map.of("runtime", "1s"));
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)));
            double took = (System.nanoTime() - t0) / 1e9;
            assertTrue(took < 30, "it ends, it does not hang: " + took + "s");
            d.engine().flushJournal();
            long ran = Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT ended_ms - started_ms FROM task WHERE task_id = :id")
                    .bind("id", id).mapTo(Long.class).one());
            assertTrue(ran < (1 + 1 + 1.5) * 1000, "the runtime limit, the grace period, and little more: " + ran + " ms");
            RemoteExitInfo info = d.getRemoteExitInfo(id);
            assertEquals(TaskInstanceStatus.RESOURCE_ERROR, info.status());
            assertTrue(info.message().startsWith("runtime limit of 1s exceeded after running"), info.message());
            assertTrue(info.message().contains("SIGKILL"), "it ignored SIGTERM: " + info.message());
            long child = Long.parseLong(Files.readString(tmp.resolve("child")).trim());
            assertFalse(ProcStat.read(child).map(ProcStat::isLive).orElse(false), "its child survived");
        }
    }

    @Test
    void aTaskOverItsMemoryEndsAsAResourceError() throws Exception {
        try (MultiprocessDistributor d = Hosts.builder(journal(), 2).sampleInterval(Duration.ofMillis(50)).build()) {
            d.start();
            // dd reads into one buffer of 300 MiB: the task's resident memory climbs past the limit
            String id = d.submitToBatchDistributor("dd if=/dev/zero of=/dev/null bs=300M count=50", "hog", Map.of("memory", "100M"));
            String modest = d.submitToBatchDistributor("dd if=/dev/zero of=/dev/null bs=1M count=50", "modest", Map.of("memory", "100M"));
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(60)));
            RemoteExitInfo info = d.getRemoteExitInfo(id);
            assertEquals(TaskInstanceStatus.RESOURCE_ERROR, info.status(), info.message());
            assertTrue(info.message().startsWith("memory limit of 100.0 MiB exceeded: the task's processes reached"), info.message());
            assertEquals("Process exited with code 0", d.getRemoteExitInfo(modest).message());
            d.engine().flushJournal();
            long peak = Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT peak_rss_kb FROM task WHERE task_id = :id")
                    .bind("id", id).mapTo(Long.class).one());
            assertTrue(peak > 100 * 1024, "the peak it reached is journaled: " + peak + " KiB");
        }
    }

    /**
     * A fixed amount of work, not a fixed time (a loaded machine gives a busy loop less CPU): the CPU time
     * journaled is what the task's shell itself counted ({@code times}), and the duration spans what the task
     * timed from inside.
     */
    @Test
    void usageFiguresMatchAKnownWorkload() throws Exception {
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            Path times = tmp.resolve("times");
            Files.createDirectories(tmp.resolve("marks"));
            String burn = d.submitToBatchDistributor(marked("burn", "awk 'BEGIN { for (i = 0; i < 20000000; i++) s += i }'; times > "
                    + times + "; sleep 1"), "burn", Map.of());
            String mem = d.submitToBatchDistributor("dd if=/dev/zero of=/dev/null bs=64M count=20", "mem", Map.of());
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(120)));
            d.engine().flushJournal();
            Map<String, Object> b = Hosts.jdbi(d).withHandle(h -> h.createQuery(
                    "SELECT cpu_s, duration_s FROM task_history WHERE task_id = :id").bind("id", burn).mapToMap().one());
            double cpu = ((Number) b.get("cpu_s")).doubleValue();
            double wall = ((Number) b.get("duration_s")).doubleValue();
            double counted = cpuSeconds(Files.readString(times));
            assertTrue(counted > 0.1, "the workload took CPU time: " + counted);
            assertTrue(Math.abs(cpu - counted) < 0.1, "cpu_s " + cpu + " is what the task counted: " + counted);
            double inside = (mark("burn", "end") - mark("burn", "start")) / 1e9;
            assertTrue(wall >= inside && wall < inside + 10, "duration_s " + wall + " spans the " + inside + " s timed inside");
            assertTrue(inside >= 1, "the task slept a second: " + inside);
            double peakMb = Hosts.jdbi(d).withHandle(h -> h.createQuery(
                    "SELECT peak_rss_mb FROM task_history WHERE task_id = :id").bind("id", mem).mapTo(Double.class).one());
            assertTrue(peakMb > 60 && peakMb < 120, "about 64 MiB: " + peakMb);
        }
    }

    /** The sum of the user and system times that the shell's {@code times} prints (its own, then its children's). */
    private static double cpuSeconds(String times) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)m([\\d.]+)s").matcher(times);
        double total = 0;
        int found = 0;
        while (m.find()) {
            total += Integer.parseInt(m.group(1)) * 60 + Double.parseDouble(m.group(2));
            found++;
        }
        assertEquals(4, found, "times printed: " + times);
        return total;
    }
}
