package dev.multiproc.slurm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.testing.Leftovers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a Slurm command that fails, hangs or cannot start is reported: one line with command, status and stderr. */
class CommandRunnerTest {
    @TempDir
    Path dir;

    @Test
    void aFailingCommandIsReportedWithItsStatusAndStandardError() {
        CommandRunner runner = new CommandRunner(null, Map.of(), Duration.ofSeconds(10));
        List<String> command = List.of("sh", "-c", "echo 'slurm_load_jobs error: Unable to contact slurm controller' >&2; "
                + "echo 'second line' >&2; exit 4");
        SlurmCommandException e = assertThrows(SlurmCommandException.class, () -> runner.check(command, null, Map.of()));
        assertEquals(4, e.exitStatus());
        assertEquals("sh -c echo 'slurm_load_jobs error: Unable to contact slurm controller' >&2; echo 'second line' >&2; "
                + "exit 4 failed with exit status 4: slurm_load_jobs error: Unable to contact slurm controller | second line",
                e.getMessage());
        assertTrue(e.isTransient(), "an unreachable controller may answer later");
    }

    @Test
    void theRealSqueueWithABrokenConfigurationFailsClearly() throws IOException {
        // an empty file: squeue gives up at once (a missing one it waits for, a minute)
        Path conf = Files.createFile(dir.resolve("empty.conf"));
        SlurmCommands slurm = SlurmCommands.builder().environment(Map.of("SLURM_CONF", conf.toString()))
                .timeout(Duration.ofSeconds(20)).build();
        SlurmCommandException e = assertThrows(SlurmCommandException.class, () -> slurm.queue(List.of("1")));
        assertTrue(e.getMessage().startsWith("squeue --noheader --array --states=all --Format=JobArrayID:0\\x1f,"), e.getMessage());
        assertTrue(e.getMessage().contains("--jobs=1"), e.getMessage());
        // installed: it exits 1 saying what is wrong with the file; not installed: it cannot be started
        assertTrue(e.getMessage().contains("failed with exit status 1: squeue: s_p_parse_file: file \"" + conf + "\" is empty")
                || e.getMessage().contains("could not be started"), e.getMessage());
    }

    @Test
    void aCommandThatOverstaysIsKilledWithEverythingItStarted() throws Exception {
        // long enough for sh to have started both sleeps on a loaded machine. The message once had no output to show: the
        // runner had listed sh's descendants before sh started them, killed sh and left them holding its standard error,
        // and it waited for that end of file, not for the line that had come (CommandRunner now takes what came)
        CommandRunner runner = new CommandRunner(null, Map.of("MULTIPROC_JOURNAL", dir.toString()), Duration.ofMillis(4500));
        long start = System.nanoTime();
        SlurmCommandException e = assertThrows(SlurmCommandException.class,
                () -> runner.run(List.of("sh", "-c", "echo waiting >&2; sleep 600 & sleep 600; wait"), null, Map.of()));
        assertTrue(System.nanoTime() - start < 30_000_000_000L, "it gave up in time");
        assertNull(e.exitStatus());
        assertTrue(e.getMessage().contains("did not finish within 4500ms: waiting"), e.getMessage());
        assertTrue(e.isTransient());
        assertEquals(List.of(), Leftovers.awaitNone(dir, 30_000), "no process of the command is left");
    }

    @Test
    @Tag("slow") // 6.5 s of waiting: the timeout, then the end of file that does not come
    void theOutputOfAKilledCommandIsShownEvenWhileAProcessThatEscapedItHoldsItOpen() throws Exception {
        CommandRunner runner = new CommandRunner(null, Map.of("MULTIPROC_JOURNAL", dir.toString()), Duration.ofMillis(4500));
        try {
            // the inner sh exits at once: its sleep is then init's, not a descendant of the command, and keeps standard error open
            SlurmCommandException e = assertThrows(SlurmCommandException.class,
                    () -> runner.run(List.of("sh", "-c", "echo waiting >&2; sh -c 'sleep 60 &'; sleep 600"), null, Map.of()));
            assertTrue(e.getMessage().contains("did not finish within 4500ms: waiting"), e.getMessage());
        } finally {
            Leftovers.killAll(dir);
        }
    }

    @Test
    void aProgramThatIsNotThereCannotBeStarted() {
        CommandRunner runner = new CommandRunner(dir, Map.of(), Duration.ofSeconds(5));
        SlurmCommandException e = assertThrows(SlurmCommandException.class,
                () -> runner.check(runner.command("sbatch", List.of("--parsable")), "#!/bin/sh\n", Map.of()));
        assertNull(e.exitStatus());
        assertTrue(e.getMessage().startsWith("sbatch --parsable could not be started ("), e.getMessage());
    }

    @Test
    void standardInputReachesTheCommandAndVariablesItsEnvironment() {
        CommandRunner runner = new CommandRunner(null, Map.of("BASE", "b"), Duration.ofSeconds(10));
        String out = runner.check(List.of("sh", "-c", "cat; echo \"$BASE $EXTRA\""), "héllo\n", Map.of("EXTRA", "x, y=z"));
        assertEquals("héllo\nb x, y=z\n", out);
    }
}
