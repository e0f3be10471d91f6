package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.testing.Cli;
import dev.multiproc.testing.JournalTest;
import dev.multiproc.testing.PostgresJournals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The command line with {@code journal_url} in its config.yml: run, status, history and sql on a PostgreSQL journal. */
@Tag("slow") // PostgreSQL journals; CI runs the slow tier with the server up (the default tier stays under 90 s)
class CommandLineOnPostgresTest extends JournalTest {
    @RegisterExtension
    final PostgresJournals postgres = new PostgresJournals(this::journal);

    @Override
    protected Path journal() {
        return tmp.resolve(".multiproc");
    }

    private void config(List<String> lines) throws Exception {
        Files.write(tmp.resolve("config.yml"), lines);
    }

    @Test
    void aRunIsJournaledOnTheServerAndStatusHistoryAndSqlReadItThere() throws Exception {
        config(postgres.current().configLines());
        Files.write(tmp.resolve("four.txt"), List.of("echo one", "exit 3", "echo three", "sleep 0.2; exit 5"));
        Cli.Result r = Cli.run(tmp, "run", "four.txt");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.out().contains("run four.txt: 4 commands: 2 done, 2 failed, 0 not finished"), r.toString());
        assertFalse(Files.exists(journal().resolve("journal.mv.db")), "no H2 journal beside the server's");

        try (Connection c = postgres.current().database().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT command, state FROM task_history ORDER BY line_no")) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1) + "=" + rs.getString(2));
            }
            assertEquals(List.of("echo one=DONE", "exit 3=FAILED", "echo three=DONE", "sleep 0.2; exit 5=FAILED"), rows);
        }

        Cli.Result status = Cli.run(tmp, "status");
        assertEquals(0, status.exit(), status.toString());
        assertTrue(status.out().contains("tasks:   done=2, failed=2"), status.toString());
        Cli.Result history = Cli.run(tmp, "history");
        assertEquals(0, history.exit(), history.toString());
        for (String command : List.of("echo one", "exit 3", "echo three", "sleep 0.2; exit 5")) {
            assertTrue(history.out().contains(command), "history shows " + command + ": " + history);
        }
        Cli.Result sql = Cli.run(tmp, "sql", "SELECT COUNT(*) AS n FROM task WHERE state = 'FAILED'");
        assertEquals(0, sql.exit(), sql.toString());
        assertTrue(sql.out().contains("2"), sql.toString());
        Cli.Result write = Cli.run(tmp, "sql", "DELETE FROM task");
        assertTrue(write.exit() != 0, "sql refuses writes: " + write);
    }

    @Test
    void aCredentialsFileOthersCanReadIsRefusedNamingItsMode() throws Exception {
        Path credentials = postgres.current().credentialsFile();
        Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("rw-r--r--"));
        config(postgres.current().configLines());
        Files.write(tmp.resolve("one.txt"), List.of("touch " + tmp.resolve("ran")));
        Cli.Result r = Cli.run(tmp, "run", "one.txt");
        assertTrue(r.exit() != 0, r.toString());
        assertTrue(r.err().contains(credentials.toString()) && r.err().contains("rw-r--r--") && r.err().contains("chmod 600"),
                r.toString());
        assertFalse(Files.exists(tmp.resolve("ran")), "nothing ran");
    }

    @Test
    void aPasswordInTheUrlIsRefused() throws Exception {
        config(List.of("journal_url: " + postgres.current().database().url() + "?password=secret"));
        Files.write(tmp.resolve("one.txt"), List.of("true"));
        Cli.Result r = Cli.run(tmp, "run", "one.txt");
        assertTrue(r.exit() != 0, r.toString());
        assertTrue(r.err().contains("journal_url carries a password"), r.toString());
    }

    @Test
    void aRunWhoseHostNameAnotherTookOverExitsWithStatus2AndLeavesTheRestToIt() throws Exception {
        List<String> config = new ArrayList<>(postgres.current().configLines());
        config.add("host: alpha");
        config(config);
        Path ledger = tmp.resolve("ledger");
        List<String> commands = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            commands.add("sleep 0.2; echo " + i + " >> " + ledger);
        }
        Files.write(tmp.resolve("forty.txt"), commands);
        Process run = Cli.start(tmp, "run", "-j", "2", "forty.txt");
        try (Connection intruder = postgres.current().database().connect()) {
            await("a few commands to run", () -> lineCount(ledger) >= 4);
            PostgresJournals.takeHostName(intruder, "alpha");
            assertTrue(run.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the run exits");
            String err = Cli.err(tmp, run);
            assertEquals(2, run.exitValue(), err);
            assertTrue(err.contains("multiproc: error: while the journal's server had dropped the lock of host alpha, another host "
                    + "took it") && err.contains("starts nothing more"), err);
        }
        assertTrue(lineCount(ledger) < commands.size(), "the run left the rest of its commands to the host that took its name");
    }

    @Test
    void anIdleServiceWhoseHostNameAnotherTookOverExitsWithStatus2() throws Exception {
        List<String> config = new ArrayList<>(postgres.current().configLines());
        config.add("host: alpha");
        config(config);
        Process serve = Cli.start(tmp, "serve");
        try (Connection intruder = postgres.current().database().connect()) {
            await("the service to serve", () -> errorOutput(serve).contains("multiproc: serving journal"));
            PostgresJournals.takeHostName(intruder, "alpha");
            assertTrue(serve.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the service learns, idle, that it lost its name");
            String err = errorOutput(serve);
            assertEquals(2, serve.exitValue(), err);
            assertTrue(err.contains("multiproc: error: while the journal's server had dropped the lock of host alpha, another host "
                    + "took it"), err);
        } finally {
            serve.destroyForcibly();
        }
    }

    private String errorOutput(Process p) {
        try {
            return Cli.err(tmp, p);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static long lineCount(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file).size() : 0;
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
