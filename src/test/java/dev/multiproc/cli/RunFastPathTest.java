package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.testing.JournalTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code run} without picocli ({@link RunFastPath}): only its plain forms, run as picocli's path runs them. */
class RunFastPathTest extends JournalTest {

    @Test
    void thePlainFormsAreRunWithoutPicocliAndTheirOptionsTaken() {
        RunCommand plain = RunFastPath.parse(new String[] {"run", "jobs.txt"}).orElseThrow();
        assertEquals("jobs.txt", plain.file);
        assertNull(plain.jobs);
        assertNull(plain.name);
        assertFalse(plain.noProgress || plain.output || plain.retryFailed);
        assertEquals(0, plain.common.verbose.length);
        RunCommand all = RunFastPath.parse(new String[] {"run", "-j", "4", "--name=n", "--cluster", "local", "--retry-failed",
                "--no-progress", "--output", "--journal", "j", "--config=c.yml", "-v", "-"}).orElseThrow();
        assertEquals("-", all.file);
        assertEquals(4, all.jobs);
        assertEquals("n", all.name);
        assertEquals("local", all.cluster);
        assertTrue(all.retryFailed && all.noProgress && all.output);
        assertEquals(Path.of("j"), all.common.journal);
        assertEquals(Path.of("c.yml"), all.common.config);
        assertEquals(1, all.common.verbose.length);
        assertEquals(12, RunFastPath.parse(new String[] {"run", "f", "--jobs=12"}).orElseThrow().jobs, "options after the file too");
    }

    @Test
    void everyOtherFormGoesToPicocli() {
        for (List<String> args : List.<List<String>>of(List.of("run"), List.of("run", "a", "b"), List.of("run", "--help"),
                List.of("run", "-h", "f"), List.of("run", "-V"), List.of("run", "-j", "0", "f"), List.of("run", "-j", "x", "f"),
                List.of("run", "-j", "-1", "f"), List.of("run", "-j4", "f"), List.of("run", "-j", "1", "--jobs", "2", "f"),
                List.of("run", "--name", "f"), List.of("run", "--name", "--output", "f"), List.of("run", "--output", "--output", "f"),
                List.of("run", "--frobnicate", "f"), List.of("run", "--", "f"), List.of("run", "f", "--retry-failed=yes"),
                List.of("run", "-j", "99999999999", "f"), List.of("run", "-vvv", "f"), List.of("run", "-x"), List.of("status", "f"),
                List.of("run", "@args"), List.of("run", "--name", "@n", "f"))) {
            assertTrue(RunFastPath.parse(args.toArray(String[]::new)).isEmpty(), "picocli answers " + args);
        }
    }

    @Test
    void itRunsAsPicocliRuns() throws Exception {
        Path file = Files.writeString(tmp.resolve("mixed.txt"), "true\nexit 3\necho hi\n");
        Path config = Files.writeString(tmp.resolve("config.yml"), "log_dir: " + tmp.resolve("logs") + "\n");
        String[] fastArgs = {"run", "--config", config.toString(), "--journal", tmp.resolve("fast").toString(), "--no-progress",
                "-j", "2", file.toString()};
        StringWriter fast = new StringWriter();
        StringWriter fastErr = new StringWriter();
        int fastExit = RunFastPath.run(RunFastPath.parse(fastArgs).orElseThrow(), new PrintWriter(fast), new PrintWriter(fastErr));
        StringWriter picocli = new StringWriter();
        StringWriter picocliErr = new StringWriter();
        String[] picocliArgs = {"--config", config.toString(), "--journal", tmp.resolve("picocli").toString(), "--no-progress", "-j", "2",
                file.toString()};
        int picocliExit = new CommandLine(new RunCommand()).setOut(new PrintWriter(picocli)).setErr(new PrintWriter(picocliErr))
                .execute(picocliArgs);
        assertEquals(1, fastExit, "one command failed: " + fastErr);
        assertEquals(picocliExit, fastExit);
        assertEquals(picocliErr.toString(), fastErr.toString());
        assertEquals(sameJournal(picocli.toString()), sameJournal(fast.toString()));
        assertTrue(fast.toString().contains("3 commands: 2 done, 1 failed"), fast.toString());
    }

    /** The summary without what differs from one run to the other: the time it took and the journal's directory. */
    private String sameJournal(String summary) {
        return summary.replaceAll("in [0-9.]+s", "in Ts").replace(tmp.resolve("fast").toString(), "J").replace(tmp.resolve("picocli").toString(), "J");
    }

    @Test
    void aFailureIsOneLineAndStatus2() {
        Path missing = tmp.resolve("no-file-here.txt");
        StringWriter err = new StringWriter();
        int exit = RunFastPath.run(RunFastPath.parse(new String[] {"run", "--journal", journal().toString(), missing.toString()}).orElseThrow(),
                new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(2, exit, err.toString());
        assertTrue(err.toString().startsWith("multiproc: error: ") && err.toString().contains(missing.toString()), err.toString());
        assertEquals(1, err.toString().lines().count(), err.toString());
    }
}
