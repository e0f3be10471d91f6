package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code status} answered without picocli ({@link StatusFastPath}): only its common forms, printed as picocli's path prints them. */
class StatusFastPathTest extends JournalTest {

    @Test
    void theCommonFormsAreAnsweredWithoutPicocliAndTheirOptionsTaken() {
        StatusCommand plain = StatusFastPath.parse(new String[] {"status"}).orElseThrow();
        assertFalse(plain.json);
        assertEquals(null, plain.common.journal);
        assertEquals(0, plain.common.verbose.length);
        StatusCommand all = StatusFastPath.parse(new String[] {"status", "--json", "--journal", "j", "--config=c.yml", "-vv"}).orElseThrow();
        assertTrue(all.json);
        assertEquals(Path.of("j"), all.common.journal);
        assertEquals(Path.of("c.yml"), all.common.config);
        assertEquals(2, all.common.verbose.length);
        assertEquals(Path.of("j"), StatusFastPath.parse(new String[] {"status", "--journal=j", "--verbose"}).orElseThrow().common.journal);
    }

    @Test
    void everyOtherFormGoesToPicocli() {
        for (List<String> args : List.<List<String>>of(List.of(), List.of("history"), List.of("status", "--help"), List.of("status", "-h"),
                List.of("status", "--jason"), List.of("status", "--json", "--json"), List.of("status", "--journal"),
                List.of("status", "--journal", "--json"), List.of("status", "--journal="), List.of("status", "--journal", "a", "--journal", "b"),
                List.of("status", "--json=yes"), List.of("status", "-v", "-v"), List.of("status", "-vvv"), List.of("status", "extra"),
                List.of("status", "--journal", "a\0b"), List.of("status", "--"), List.of("status", "--journal", "@x"),
                List.of("status", "@args"))) {
            assertTrue(StatusFastPath.parse(args.toArray(String[]::new)).isEmpty(), "picocli answers " + args);
        }
    }

    @Test
    void itPrintsWhatPicocliPrints() throws Exception {
        Hosts.journalWithOneTaskRun(journal(), "exit 3");
        String dir = journal().toString();
        for (List<String> args : List.of(List.of("status", "--journal", dir), List.of("status", "--json", "--journal=" + dir))) {
            StringWriter fast = new StringWriter();
            StringWriter fastErr = new StringWriter();
            int fastExit = StatusFastPath.run(StatusFastPath.parse(args.toArray(String[]::new)).orElseThrow(), new PrintWriter(fast),
                    new PrintWriter(fastErr));
            StringWriter picocli = new StringWriter();
            int picocliExit = new CommandLine(new StatusCommand()).setOut(new PrintWriter(picocli)).setErr(new PrintWriter(new StringWriter()))
                    .execute(args.subList(1, args.size()).toArray(String[]::new));
            assertEquals(0, fastExit, fastErr.toString());
            assertEquals(picocliExit, fastExit);
            assertEquals(picocli.toString(), fast.toString(), "the same status for " + args);
            assertTrue(fast.toString().contains("exit 3") || fast.toString().contains("failed"), fast.toString());
        }
    }

    @Test
    void aFailureIsOneLineAndStatus2() {
        Path missing = tmp.resolve("no-journal-here");
        StringWriter err = new StringWriter();
        int exit = StatusFastPath.run(StatusFastPath.parse(new String[] {"status", "--journal", missing.toString()}).orElseThrow(),
                new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(2, exit, err.toString());
        assertTrue(err.toString().startsWith("multiproc: error: ") && err.toString().contains(missing.toString()), err.toString());
        assertEquals(1, err.toString().lines().count(), err.toString());
    }
}
