package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.journal.HostLock;
import dev.multiproc.journal.JournalCredentials;
import dev.multiproc.journal.JournalDirectory;
import dev.multiproc.testing.Cli;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Readers of a journal (status, sql, the console) never keep a host from starting; what truly holds the file is named. */
@Tag("slow") // JVMs of seconds each; CI runs the slow tier too (the default tier stays under 90 s)
class JournalReadersTest extends JournalTest {

    @Override
    protected Path journal() {
        return tmp.resolve(".multiproc");
    }

    private Path commands(String name, String... lines) throws Exception {
        return Files.write(tmp.resolve(name), List.of(lines));
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** A reader's connection, held open as a long {@code sql} query holds it, while a host starts and runs. */
    @Test
    void aHostStartsAndRunsWhileAReaderHoldsItsConnection() throws Exception {
        Hosts.journalWithOneTaskRun(journal(), "echo one");
        try (Connection reader = JournalAccess.of(journal(), null).reader()) {
            assertEquals(1, count(reader, "SELECT COUNT(*) FROM task"));
            commands("two.txt", "echo two", "echo three");
            Cli.Result run = Cli.run(tmp, "run", "two.txt");
            assertEquals(0, run.exit(), run.toString());
            assertTrue(run.out().contains("2 commands: 2 done"), run.toString());
            assertEquals(1, count(reader, "SELECT COUNT(*) FROM task"), "the reader still reads the journal as it was when it connected");
        }
        try (Connection again = JournalAccess.of(journal(), null).reader()) {
            assertEquals(3, count(again, "SELECT COUNT(*) FROM task"));
        }
    }

    /** The console stays: it follows a host that starts (through its server) and reads the file again once the host left. */
    @Test
    void theConsoleLetsAHostStartAndFollowsIt() throws Exception {
        Hosts.journalWithOneTaskRun(journal(), "echo one");
        Path gate = Files.createFile(tmp.resolve("gate"));
        Process console = Cli.start(tmp, "console", "--for", "300s");
        Process run = null;
        try {
            Pattern address = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+/)\\?token=([A-Za-z0-9_-]{43})\\s");
            Matcher[] m = new Matcher[1];
            await("the console", () -> {
                try {
                    m[0] = address.matcher(Cli.out(tmp, console));
                    return m[0].find();
                } catch (IOException e) {
                    return false;
                }
            });
            String base = m[0].group(1);
            String session = m[0].group(2);
            String running = "SELECT 'RUNNING=' || COUNT(*) FROM task WHERE state = 'RUNNING'";
            assertTrue(query(base, session, running).contains("RUNNING=0"));
            commands("gated.txt", "touch " + tmp.resolve("started") + "; while [ -e " + gate + " ]; do sleep 0.05; done");
            Process host = Cli.start(tmp, "run", "gated.txt");
            run = host;
            await("the host to run the task", () -> {
                if (!host.isAlive()) {
                    throw new AssertionError("the host ended: " + errOf(host));
                }
                return Files.exists(tmp.resolve("started"));
            });
            await("the console to show the host's journal", () -> query(base, session, running).contains("RUNNING=1"));
            Files.delete(gate);
            assertTrue(run.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, run.exitValue(), Cli.err(tmp, run));
            String done = "SELECT 'DONE=' || COUNT(*) FROM task WHERE state = 'DONE'";
            await("the console to read the journal the host left", () -> query(base, session, done).contains("DONE=2"));
        } finally {
            Files.deleteIfExists(gate);
            console.destroy();
            console.waitFor(10, TimeUnit.SECONDS);
            if (run != null && !run.waitFor(30, TimeUnit.SECONDS)) {
                run.destroyForcibly();
            }
        }
    }

    private String errOf(Process p) {
        try {
            return Cli.err(tmp, p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** The console's answer to {@code sql} (its JSON, with the token {@code session}); empty when it does not answer. */
    private static String query(String base, String session, String sql) {
        try {
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                    .newBuilder(URI.create(base + "query")).header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + session)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"sql\": " + quote(sql) + "}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** A SQL client on the journal file (H2's own shell) truly holds it: the host's error names it, and what to do. */
    @Test
    void aHostThatFindsTheFileHeldNamesTheHolder() throws Exception {
        Hosts.journalWithOneTaskRun(journal(), "echo one");
        commands("one.txt", "echo one");
        JournalDirectory dir = JournalDirectory.existing(journal());
        String password = JournalCredentials.load(dir.credentialsFile()).readerPassword();
        Process shell = new ProcessBuilder(dev.multiproc.testing.Jvm.command("-cp", System.getProperty("java.class.path"), "org.h2.tools.Shell",
                "-url", "jdbc:h2:file:" + dir.databaseBase() + ";ACCESS_MODE_DATA=r;IFEXISTS=TRUE", "-user", JournalCredentials.READER,
                "-password", password))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("shell.out").toFile()).start();
        try {
            await("the shell to connect", () -> {
                try {
                    return Files.readString(tmp.resolve("shell.out")).contains("sql>");
                } catch (IOException e) {
                    return false;
                }
            });
            Cli.Result run = Cli.run(tmp, "run", "one.txt");
            assertEquals(2, run.exit(), run.toString());
            assertEquals(1, run.err().strip().lines().count(), "one line: " + run);
            assertTrue(run.err().contains("is open by pid " + shell.pid() + " (") && run.err().contains("org.h2.tools.Shell"), run.toString());
            assertTrue(run.err().contains("close that program"), run.toString());
        } finally {
            shell.getOutputStream().close();
            if (!shell.waitFor(10, TimeUnit.SECONDS)) {
                shell.destroyForcibly();
            }
        }
    }

    /** A host that holds the journal and is still starting has not published its server yet: readers wait for it. */
    @Test
    void sqlWaitsForAHostThatIsStartingAndRefusesOneThatDoesNotServe() throws Exception {
        Hosts.journalWithOneTaskRun(journal(), "echo one");
        JournalDirectory dir = JournalDirectory.existing(journal());
        Process sql;
        try (HostLock starting = HostLock.acquire(dir, true)) { // what a starting host holds before its server is up
            sql = Cli.start(tmp, "sql", "SELECT COUNT(*) AS tasks FROM task");
            await("sql to wait for the starting host", () -> {
                if (!sql.isAlive()) {
                    throw new AssertionError("sql did not wait: " + errOf(sql));
                }
                try {
                    return Cli.err(tmp, sql).contains("is starting; waiting for it to serve the journal");
                } catch (IOException e) {
                    return false;
                }
            });
            assertTrue(sql.isAlive(), Cli.err(tmp, sql));
        }
        // the host gave up before it served anything: the reader reads the file
        assertTrue(sql.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, sql.exitValue(), Cli.err(tmp, sql));
        assertTrue(Cli.out(tmp, sql).contains("(1 row)"), Cli.out(tmp, sql));

        try (HostLock notServing = HostLock.acquire(dir, false)) {
            Cli.Result refused = Cli.run(tmp, "sql", "SELECT 1");
            assertEquals(2, refused.exit(), refused.toString());
            assertTrue(refused.err().contains("which does not serve it to other processes (journal_server: false)"), refused.toString());
        }
    }
}
