package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.testing.Cli;
import dev.multiproc.testing.JournalTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code multiproc run --output} and the failure table, as a user runs them: a command-line JVM, the built-in configuration. */
@Tag("slow") // command-line JVMs of seconds each; CI runs the slow tier too (the default tier stays under 90 s)
class RunOutputTest extends JournalTest {

    @Override
    protected Path journal() {
        return tmp.resolve(".multiproc");
    }

    @Test
    void eachTasksOutputIsPrintedWholeAndTheFailuresAreListedWithTheirLogFiles() throws Exception {
        Path m = tmp.resolve("marks");
        Files.createDirectory(m);
        String large = "x".repeat(99);
        Files.write(tmp.resolve("out.txt"), List.of(
                // a and b take turns, each waiting for the other's line before its next: their lines interleave in time
                "for i in 1 2 3; do echo a$i; echo a-err$i >&2; touch " + m + "/a$i; while [ ! -e " + m + "/b$i ]; do sleep 0.01; done; done",
                "for i in 1 2 3; do while [ ! -e " + m + "/a$i ]; do sleep 0.01; done; echo b$i; echo b-err$i >&2; touch " + m + "/b$i; done",
                "true",
                "yes " + large + " | head -n 50000",
                "echo out5; echo err5 >&2; exit 4"));
        Cli.Result r = Cli.run(tmp, "run", "--output", "-j", "5", "out.txt");
        assertEquals(1, r.exit(), r.toString().substring(0, Math.min(2000, r.toString().length())));

        List<String> lines = r.out().lines().toList();
        int summary = lines.indexOf(lines.stream().filter(l -> l.startsWith("run out.txt: 5 commands: 4 done, 1 failed")).findFirst()
                .orElseThrow(() -> new AssertionError("no summary: " + r.out().substring(Math.max(0, r.out().length() - 2000)))));
        List<String> printed = lines.subList(0, summary);
        assertEquals(3 + 3 + 50_000 + 1, printed.size(), "every line of every task, the silent one none: " + head(printed));
        assertContiguous(printed, List.of("a1", "a2", "a3"));
        assertContiguous(printed, List.of("b1", "b2", "b3"));
        assertContiguous(printed, List.of("out5"));
        int first = printed.indexOf(large);
        assertTrue(first >= 0 && printed.subList(first, first + 50_000).stream().allMatch(large::equals), "the large output, whole");
        List<String> errors = r.err().lines().filter(l -> !l.startsWith("multiproc: ")).toList();
        assertContiguous(errors, List.of("a-err1", "a-err2", "a-err3"));
        assertContiguous(errors, List.of("b-err1", "b-err2", "b-err3"));
        assertTrue(errors.contains("err5"), r.err());

        Matcher row = Pattern.compile("(?m)^  5 +5 +failed +(\\S+) +(\\S+) +Process exited with code 4$").matcher(r.out());
        assertTrue(row.find(), "a row for the failure, with its log files: " + lines.subList(summary, lines.size()));
        assertTrue(lines.get(summary + 1).matches(" +line +task +state +stdout +stderr +message"), lines.get(summary + 1));
        assertTrue(Files.isRegularFile(tmp.resolve(row.group(1))) && Files.isRegularFile(tmp.resolve(row.group(2))), row.group());
        assertEquals("out5\n", Files.readString(tmp.resolve(row.group(1))), row.group(1));
        assertEquals("err5\n", Files.readString(tmp.resolve(row.group(2))), row.group(2));
    }

    @Test
    void outputWithoutALogDirectoryIsRefusedBeforeAnythingRuns() throws Exception {
        Files.write(tmp.resolve("one.txt"), List.of("touch ran"));
        Files.writeString(tmp.resolve("discard.yml"), "log_dir:\n");
        Cli.Result r = Cli.run(tmp, "run", "--output", "--config", "discard.yml", "one.txt");
        assertEquals(2, r.exit(), r.toString());
        assertEquals("multiproc: error: --output prints the tasks' log files, and log_dir is empty in discard.yml, so their output "
                + "is discarded: set log_dir", r.err().strip(), r.toString());
        assertFalse(Files.exists(tmp.resolve("ran")), "nothing ran");
        assertFalse(Files.exists(journal()), "nothing was journaled");
    }

    @Test
    @Tag("slow") // two command-line JVMs and a reattachment
    void aResumedRunPrintsTheOutputOfTheTaskItReattachedNotOfThoseThatEndedBefore() throws Exception {
        Path ledger = tmp.resolve("ledger");
        Path gate = Files.createFile(tmp.resolve("gate")); // the first task runs until the test removes it
        Files.write(tmp.resolve("r.txt"), List.of("echo before; echo started >> " + ledger + "; while [ -e " + gate + " ]; do sleep 0.05; done; "
                + "echo after", "echo quick"));
        try {
            Process first = Cli.start(tmp, "run", "--output", "-j", "2", "r.txt");
            await("the first task to start and the second to be printed", () -> Files.exists(ledger) && outOf(first).contains("quick"));
            // printed at its end, which reaches the journal a moment later: killed before, the next run would settle it and print it
            await("the second task's end to be journaled", () -> Cli.statusJson(tmp).contains("\"done\" : 1"));
            first.destroyForcibly(); // SIGKILL: the task runs on under its launcher
            assertTrue(first.waitFor(30, TimeUnit.SECONDS));
            Process again = Cli.start(tmp, "run", "--output", "-j", "2", "r.txt");
            await("the second run to reattach the running task", () -> errOf(again).contains("1 reattached"));
            Files.delete(gate);
            assertTrue(again.waitFor(60, TimeUnit.SECONDS), "the second run ends once its task has");
            String out = Cli.out(tmp, again);
            assertEquals(0, again.exitValue(), out + Cli.err(tmp, again));
            assertTrue(out.startsWith("before\nafter\nrun r.txt: 2 commands: 2 done"), "the reattached task's output, whole; not the "
                    + "one that ended before: " + out);
        } finally {
            Files.deleteIfExists(gate);
        }
    }

    private String outOf(Process p) {
        try {
            return Cli.out(tmp, p);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private String errOf(Process p) {
        try {
            return Cli.err(tmp, p);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static void assertContiguous(List<String> lines, List<String> block) {
        int at = lines.indexOf(block.get(0));
        assertTrue(at >= 0 && at + block.size() <= lines.size() && lines.subList(at, at + block.size()).equals(block),
                block + " as one block: " + head(lines));
    }

    private static List<String> head(List<String> lines) {
        List<String> shown = new ArrayList<>(lines.subList(0, Math.min(lines.size(), 20)));
        return lines.size() > 20 ? List.of(String.join("|", shown), "... " + lines.size() + " lines") : shown;
    }
}
