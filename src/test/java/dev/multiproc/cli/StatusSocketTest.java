package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.testing.Cli;
import dev.multiproc.testing.JournalTest;
import dev.multiproc.trace.StartupTrace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code status} beside a running command-line host is answered by the host ({@link StatusSocket}), as the usual way answers it. */
@Tag("slow") // command-line JVMs: a host and several status commands
class StatusSocketTest extends JournalTest {
    private static final String ANSWERED = StartupTrace.PREFIX + "answered by the journal's host";

    @Override
    protected Path journal() {
        return tmp.resolve(".multiproc");
    }

    private Path hold() {
        return tmp.resolve("hold");
    }

    private Path socket() {
        return journal().resolve(StatusSocket.FILE);
    }

    /** A command-line host whose one task runs until {@link #hold()} goes, once it has opened its status socket. */
    private Process hostWaitingForHold() throws Exception {
        Path hold = Files.createFile(hold());
        Files.write(tmp.resolve("hold.txt"), List.of("while [ -e " + hold + " ]; do sleep 0.05; done"));
        Process host = Cli.start(tmp, "run", "--no-progress", "hold.txt");
        await("the host to open its status socket", () -> Files.exists(socket()));
        // the task's start reaches the journal a moment after the socket opens: until then two statuses may differ
        await("the task to be journaled running", () -> Cli.statusJson(tmp).contains("\"running\" : 1"));
        return host;
    }

    @Test
    void statusBesideARunningHostIsTheHostsAnswerAndTheSame() throws Exception {
        Process host = hostWaitingForHold();
        try {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket())), "its owner's alone");
            for (String format : List.of("--json", "--journal=.multiproc")) {
                Cli.Result byHost = Cli.runWith(Map.of(StartupTrace.ENV, "1"), tmp, "status", format);
                assertEquals(0, byHost.exit(), byHost.toString());
                assertTrue(byHost.err().contains(ANSWERED), byHost.toString());
                Cli.Result usual = Cli.runWith(Map.of(StartupTrace.ENV, "1"), tmp, "status", format, "-v"); // -v: the usual way
                assertFalse(usual.err().contains(ANSWERED), usual.toString());
                assertEquals(withoutRunningTimes(usual.out()), withoutRunningTimes(byHost.out()), format);
                assertTrue(byHost.out().contains("hold.txt"), byHost.toString());
            }
        } finally {
            Files.deleteIfExists(hold());
            assertTrue(host.waitFor(60, TimeUnit.SECONDS), "the run ends with its task");
        }
        assertEquals(0, host.exitValue(), Cli.err(tmp, host));
        assertFalse(Files.exists(socket()), "the host removes its socket");
    }

    /** A socket's path may have 107 bytes: a journal 85 bytes long has one (it had none while its private directory's name took 28). */
    @Test
    void aJournalWithALongPathHasItsSocketToo() throws Exception {
        Path root = tmp.resolve("x".repeat(Math.max(1, 85 - tmp.toString().length() - 1)));
        assertEquals(85, root.toString().length(), root.toString());
        Path hold = Files.createFile(hold());
        Files.write(tmp.resolve("hold.txt"), List.of("while [ -e " + hold + " ]; do sleep 0.05; done"));
        Process host = Cli.start(tmp, "run", "--no-progress", "--journal", root.toString(), "hold.txt");
        try {
            await("the host to open its status socket", () -> Files.exists(root.resolve(StatusSocket.FILE)) || !host.isAlive());
            Cli.Result byHost = Cli.runWith(Map.of(StartupTrace.ENV, "1"), tmp, "status", "--journal", root.toString());
            assertEquals(0, byHost.exit(), byHost.toString());
            assertTrue(byHost.err().contains(ANSWERED), byHost.toString());
        } finally {
            Files.deleteIfExists(hold);
            assertTrue(host.waitFor(60, TimeUnit.SECONDS), "the run ends with its task");
        }
        assertEquals(0, host.exitValue(), Cli.err(tmp, host));
    }

    @Test
    void aSocketAKilledHostLeftIsPassedBy() throws Exception {
        Process host = hostWaitingForHold();
        try {
            host.destroyForcibly(); // SIGKILL: the socket stays behind, with nobody listening
            assertTrue(host.waitFor(60, TimeUnit.SECONDS));
            assertTrue(Files.exists(socket()));
            Cli.Result r = Cli.runWith(Map.of(StartupTrace.ENV, "1"), tmp, "status");
            assertEquals(0, r.exit(), r.toString());
            assertFalse(r.err().contains(ANSWERED), r.toString());
            assertTrue(r.out().contains("host:    none"), r.toString());
        } finally {
            Files.deleteIfExists(hold()); // the task, supervised by its launcher still, ends
        }
    }

    /** How long a running task has run differs from one answer to the next. */
    private static String withoutRunningTimes(String status) {
        return status.replaceAll("\"running_s\" : [0-9.]+", "").replaceAll("(?m)  [0-9]+\\.[0-9]+$", "");
    }
}
