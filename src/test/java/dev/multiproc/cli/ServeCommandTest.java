package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.service.ServiceFile;
import dev.multiproc.testing.Cli;
import dev.multiproc.testing.JournalTest;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code multiproc serve}, {@code submit} and {@code wait} from a shell, each a JVM of its own. */
class ServeCommandTest extends JournalTest {

    @Test
    @Tag("slow") // eight command-line JVMs (35 s); ServiceApiTest covers the service in the default tier
    void aScriptSubmitsToTheServiceWaitsAndLearnsHowEachTaskEnded() throws Exception {
        String j = journal().toString();
        Process serve = Cli.start(tmp, "serve", "--journal", j, "-j", "3");
        try {
            Cli.Result one = Cli.run(tmp, "submit", "--journal", j, "--name", "three", "--", "echo", "out;", "exit", "3");
            assertEquals(0, one.exit(), one.toString());
            Cli.Result array = Cli.run(tmp, "submit", "--journal", j, "--array", "2", "-r", "cores=1", "--", "echo step $ARRAY_STEP_ID");
            assertEquals(0, array.exit(), array.toString());
            List<String> steps = array.out().lines().toList();
            assertEquals(2, steps.size(), array.toString());
            String id = one.out().trim();
            Cli.Result waited = Cli.runWithInput(tmp, id + "\n" + String.join("\n", steps) + "\n", "wait", "--journal", j);
            assertEquals(1, waited.exit(), "one task did not exit 0: " + waited);
            assertTrue(waited.out().contains(id + " U Process exited with code 3"), waited.toString());
            assertTrue(waited.out().contains(steps.get(1) + " U Process exited with code 0"), waited.toString());
            Cli.Result history = Cli.run(tmp, "history", "--journal", j);
            assertEquals(0, history.exit(), history.toString());
            assertTrue(history.out().contains("three"), history.toString());

            Cli.Result sleeper = Cli.run(tmp, "submit", "--journal", j, "--", "sleep 300");
            Cli.Result timedOut = Cli.run(tmp, "wait", "--journal", j, "--timeout", "1s", sleeper.out().trim());
            assertEquals(124, timedOut.exit(), timedOut.toString());
            Cli.Result killed = Cli.run(tmp, "kill", "--journal", j, sleeper.out().trim());
            assertEquals(0, killed.exit(), killed.toString());

            Cli.Result bad = Cli.run(tmp, "submit", "--journal", j, "-r", "cores=99", "--", "true");
            assertTrue(bad.exit() != 0, bad.toString());
            assertTrue(bad.err().contains("'cores'"), bad.toString());
        } finally {
            serve.destroy();
            assertTrue(serve.waitFor(60, TimeUnit.SECONDS));
        }
        assertEquals(0, serve.exitValue(), Cli.err(tmp, serve));
        assertFalse(Files.exists(ServiceFile.of(journal())), "a stopped service removes service.json");
    }

    @Test
    void withoutAServiceSubmitSaysHowToStartOne() throws Exception {
        Cli.Result r = Cli.run(tmp, "submit", "--journal", journal().toString(), "--wait-for-service", "1s", "--", "true");
        assertTrue(r.exit() != 0, r.toString());
        assertTrue(r.err().contains("multiproc serve --journal"), r.toString());
    }
}
