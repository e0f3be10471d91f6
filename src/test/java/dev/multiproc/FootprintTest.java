package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.cli.JvmFlags;
import dev.multiproc.cli.bench.FootprintBench;
import dev.multiproc.cli.bench.ResidentMemory;
import dev.multiproc.testing.Leftovers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host's resident memory is bounded: a run of 40,000 lines of {@code true} in a JVM started with the options of
 * {@code bin/multiproc}, its VmRSS sampled from {@code /proc} (with the kernel's high-water mark, so no peak falls
 * between two samples). The bound does not depend on timing: the serial collector sizes the heap from the live data,
 * not from how long its pauses took, so a loaded machine makes the run slower, not larger.
 */
class FootprintTest {
    /**
     * The goal. A run's lines are journaled 4,096 at a time, so what grows with the file is its queued tasks: the test
     * runs 40,000 lines, which a loaded CI machine finishes in minutes (the bench measures 100,000). Before the lines
     * were chunked, 100,000 of them peaked at 359 MiB with these options, while they were journaled in one batch (a
     * JobRow, five recorded statements and a future per line); with the JVM's defaults (G1, a maximum heap of a
     * quarter of the machine's memory) the same run went to 680 MiB within its first half, and 3.5 GB in the issue.
     */
    private static final long BOUND = 300L << 20;

    private static final int LINES = 40_000;

    @TempDir
    Path tmp;

    @Test
    void theScriptStartsHostsWithTheChosenOptions() throws Exception {
        String script = Files.readString(Path.of("src/main/sh/multiproc"));
        assertTrue(script.contains("memory=\"" + String.join(" ", JvmFlags.HOST) + "\""), script);
        assertTrue(script.contains("$memory $compilers $recorder $MULTIPROC_JAVA_OPTS -jar"), script);
    }

    @Test
    @Tag("slow")
    void aRunOf40000LinesStaysUnder300MiBResident() throws Exception {
        Path file = Files.write(tmp.resolve("lines.txt"), Collections.nCopies(LINES, "true"));
        Path journal = tmp.resolve("journal");
        List<String> cmd = FootprintBench.host("run", "--journal", journal.toString(), "-j", "2", "--no-progress", file.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("output.txt").toFile()).start();
        long peak;
        try (ResidentMemory rss = ResidentMemory.watch(p.pid())) {
            // no bound on time: on an idle machine this takes two minutes, on a loaded one what it takes
            assertTrue(p.waitFor(2, TimeUnit.HOURS), "the run did not end");
            peak = rss.peakBytes();
        } finally {
            p.destroyForcibly().waitFor();
        }
        assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("output.txt")));
        assertTrue(peak < BOUND, "peak resident memory " + (peak >> 20) + " MiB, over " + (BOUND >> 20) + " MiB");
        assertEquals(List.of(), Leftovers.of(journal));
    }
}
