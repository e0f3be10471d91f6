package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.multiproc.testing.Cli;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import dev.multiproc.testing.OtherUser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What a new user met: every refusal names the thing and the reason, a refused file leaves nothing behind, status says what it shows. */
class NewUserTest extends JournalTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    protected Path journal() {
        return tmp.resolve(".multiproc");
    }

    private static void assertOneLine(Cli.Result r, String expected) {
        assertEquals(2, r.exit(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r);
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r);
    }

    @Test
    void aFileRefusedForItsContentLeavesNoRunBehind() throws Exception {
        Path nul = tmp.resolve("nul.txt");
        Files.write(nul, "echo a\necho b\0c\n".getBytes(StandardCharsets.UTF_8));
        Cli.Result refused = Cli.run(tmp, "run", "nul.txt");
        assertEquals(2, refused.exit(), refused.toString());
        Files.writeString(nul, "echo a\necho bc\n");
        Cli.Result fixed = Cli.run(tmp, "run", "nul.txt");
        assertEquals(0, fixed.exit(), "the corrected file starts the run: " + fixed);
        assertTrue(fixed.out().contains("2 commands: 2 done"), fixed.toString());
        assertOneLine(refused, "multiproc: error: nul.txt line 2 holds a NUL byte (at column 7)");
    }

    /** The same for a line too long (CommandFileTest reads every kind of refused file in the default tier). */
    @Test
    @Tag("slow")
    void aFileRefusedForALongLineLeavesNoRunBehind() throws Exception {
        Path longLine = tmp.resolve("long.txt");
        Files.writeString(longLine, "echo " + "x".repeat(1_000_000) + "\n");
        assertOneLine(Cli.run(tmp, "run", "long.txt"), "long.txt line 1 is 1,000,005 characters long; a command may have at most 1,000,000");
        Files.writeString(longLine, "echo x\n");
        Cli.Result fixed = Cli.run(tmp, "run", "long.txt");
        assertEquals(0, fixed.exit(), fixed.toString());
        assertTrue(fixed.out().startsWith("run long.txt: 1 command: 1 done, 0 failed"), fixed.toString());
    }

    @Test
    void aFileThatCannotBeReadIsNamedWithTheReason() throws Exception {
        Files.write(tmp.resolve("latin1.txt"), new byte[] {'e', 'c', 'h', 'o', ' ', 'a', '\n', 'e', 'c', 'h', 'o', ' ', (byte) 0xE9, '\n'});
        assertOneLine(Cli.run(tmp, "run", "latin1.txt"), "latin1.txt line 2 is not valid UTF-8 (byte 0xE9 at byte 6 of the line)");
        Files.createDirectories(tmp.resolve("adir"));
        assertOneLine(Cli.run(tmp, "run", "adir"), "multiproc: error: adir is a directory, not a file of commands");
        assertFalse(Files.exists(journal().resolve("journal.mv.db")), "nothing was journaled, no host started");
    }

    @Test
    void anotherUserIsToldWhatItCannotReadAndWhose() throws Exception {
        assumeTrue(OtherUser.available(), "switching users needs root and runuser");
        Hosts.journalWithOneTaskRun(journal(), "echo one");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x")); // the user may reach what is inside
        Path secret = Files.writeString(tmp.resolve("secret.txt"), "echo secret\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        assertOneLine(OtherUser.run(tmp, "run", "--journal", tmp.resolve("mine").toString(), secret.toString()),
                "cannot read " + secret + ": permission denied (it belongs to root, mode 0600; you are nobody)");
        Cli.Result sql = OtherUser.run(tmp, "sql", "--journal", journal().toString(), "SELECT 1");
        assertOneLine(sql, "the journal at " + journal() + " exists but is not accessible to user nobody: it belongs to root, mode 0700");
        assertFalse(Files.exists(tmp.resolve("mine"), LinkOption.NOFOLLOW_LINKS), "no journal was made for a file that was not read");
    }

    /**
     * The host left with a task running (a Ctrl-C that leaves tasks running; a SIGKILL leaves the same, but
     * H2 2.5.252 may then lose the last commits of the file: see the durability notes), so the journal still
     * says "running": status says no host is alive and what that means.
     */
    @Test
    @Tag("slow") // several command-line JVMs (11-15 s)
    void statusSaysWhenNoHostHoldsTheJournalAndItsTasksAreAsTheLastHostLeftThem() throws Exception {
        Path gate = Files.createFile(tmp.resolve("gate"));
        try {
            Files.writeString(tmp.resolve("gated.txt"), "while [ -e " + gate + " ]; do sleep 0.05; done\n");
            Process host = Cli.start(tmp, "run", "gated.txt");
            await("the task's start to be journaled", () -> {
                try (java.sql.Connection c = JournalAccess.of(journal(), null).reader();
                     java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM task WHERE state = 'RUNNING'")) {
                    return rs.next() && rs.getInt(1) == 1;
                } catch (Exception e) {
                    return false; // no journal yet, or the host is still starting
                }
            });
            new ProcessBuilder("kill", "-INT", Long.toString(host.pid())).start().waitFor(); // no terminal: leaves the task running
            assertTrue(host.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(130, host.exitValue(), Cli.err(tmp, host));
            Cli.Result status = Cli.run(tmp, "status");
            assertEquals(0, status.exit(), status.toString());
            assertTrue(status.out().contains("host:    none (no host holds the journal)"), status.toString());
            assertTrue(status.out().contains("note:    no host holds the journal: the 1 running and 0 queued tasks are as the last host (pid "
                    + host.pid() + ", session 1, which left at "), status.toString());
            assertTrue(status.out().contains(") left them, not live (running ones may have ended since); they are settled when a host "
                    + "next starts on this journal"), status.toString());
            assertTrue(status.out().contains("running when the last host left (as it left them, not live):"), status.toString());
            assertFalse(status.out().contains("running_s"), "how long it has run is not known: " + status);
            JsonNode json = JSON.readTree(Cli.run(tmp, "status", "--json").out());
            assertFalse(json.path("host_alive").asBoolean(true), json.toString());
            assertTrue(json.path("note").asText().startsWith("no host holds the journal"), json.toString());
        } finally {
            Files.deleteIfExists(gate);
        }
    }

    /** H2 writes errors (a wrong password, say) to a trace file, created with the umask's mode: the host's journal never gets one. */
    @Test
    @Tag("slow") // a host and its readers, several JVMs (5 s): the default tier stays under 90 s
    void noTraceFileReadableByOthersAppearsWhileTheHostRuns() throws Exception {
        Path gate = Files.createFile(tmp.resolve("gate"));
        Files.writeString(tmp.resolve("gated.txt"), "while [ -e " + gate + " ]; do sleep 0.05; done\n");
        Process run = Cli.start(tmp, "run", "gated.txt");
        try {
            await("the journal server", () -> Files.exists(journal().resolve("server")));
            var dir = dev.multiproc.journal.JournalDirectory.existing(journal());
            String url = dev.multiproc.journal.JournalServer.url(dir, dev.multiproc.journal.JournalCredentials.load(dir.credentialsFile()))
                    .orElseThrow();
            java.sql.SQLException wrong = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
                    () -> java.sql.DriverManager.getConnection(url, "READER", "not the password"));
            assertEquals(28000, wrong.getErrorCode(), wrong.toString());
            Cli.Result bad = Cli.run(tmp, "sql", "SELECT no_such_column FROM task");
            assertTrue(bad.err().contains("query failed"), bad.toString());
            List<String> modes;
            try (var files = Files.list(journal())) {
                modes = files.filter(Files::isRegularFile).map(f -> {
                    try {
                        return f.getFileName() + " " + PosixFilePermissions.toString(Files.getPosixFilePermissions(f));
                    } catch (java.io.IOException e) {
                        return f.getFileName() + " gone";
                    }
                }).filter(s -> !s.endsWith("rw-------") && !s.endsWith("gone")).toList();
            }
            assertEquals(List.of(), modes, "files readable by others while the host runs");
            assertFalse(Files.exists(journal().resolve("journal.trace.db")), "H2's trace file");
        } finally {
            Files.deleteIfExists(gate);
            if (!run.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                run.destroyForcibly();
            }
        }
    }

    /** The host of a run tunes its JVM to give unused heap back (the bound itself is measured in the README: it needs a long run). */
    @Test
    @Tag("slow") // several command-line JVMs (11-15 s)
    void theHostOfARunTunesItsHeapToGiveMemoryBack() throws Exception {
        Path gate = Files.createFile(tmp.resolve("gate"));
        Files.writeString(tmp.resolve("gated.txt"), "while [ -e " + gate + " ]; do sleep 0.05; done\n");
        Process run = Cli.startWithJvmDefaults(tmp, "run", "gated.txt"); // G1, as a user's JVM has: the tuning is G1's
        try {
            String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
            // each look is a JVM (jcmd); the host tunes a second after it starts at the earliest
            org.awaitility.Awaitility.await("the host to set the heap's free ratios").atMost(java.time.Duration.ofSeconds(60))
                    .pollDelay(java.time.Duration.ofSeconds(1)).pollInterval(java.time.Duration.ofMillis(500)).until(() -> {
                try {
                    Process p = new ProcessBuilder(jcmd, "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", Long.toString(run.pid()),
                            "VM.flags").redirectErrorStream(true).start();
                    String flags = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    p.waitFor();
                    return flags.contains("-XX:MaxHeapFreeRatio=50") && flags.contains("-XX:MinHeapFreeRatio=20");
                } catch (java.io.IOException | InterruptedException e) {
                    return false;
                }
            });
        } finally {
            Files.deleteIfExists(gate);
            if (!run.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                run.destroyForcibly();
            }
        }
    }
}
