package dev.multiproc.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import dev.multiproc.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The journal's server restarts while the host runs tasks: journal writes pause and resume; nothing is lost or run twice. */
@Tag("slow") // a server of its own: initdb and two starts, 10-30 s on a loaded machine
class PostgresRestartTest extends JournalTest {

    @Test
    void tasksEndingWhileTheServerIsDownAreJournaledOnceItIsBack() throws Exception {
        int tasks = 40;
        Path ledger = tmp.resolve("ledger");
        Path gate = Files.createFile(tmp.resolve("gate"));
        try (PostgresServer.Private server = PostgresServer.startPrivate();
             PostgresServer.Database db = server.server().createDatabase("restart")) {
            Path credentials = Files.writeString(tmp.resolve("credentials"), "user=" + db.user() + "\npassword=" + db.password() + "\n");
            Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("rw-------"));
            try (MultiprocessDistributor d = Hosts.builder(journal(), 4).journalUrl(db.url()).journalCredentials(credentials).build()) {
                d.start();
                d.submitArrayToBatchDistributor("while [ -e " + gate + " ]; do sleep 0.05; done; echo $JOB_ID $ARRAY_STEP_ID >> " + ledger,
                        "outage", Map.of(), tasks);
                await("four tasks to run", () -> d.engine().runningCount() == 4);
                server.stop();
                // the tasks run and end while the journal cannot be written: their ends wait in the writer
                Files.delete(gate);
                await("every task to run while the server is down", () -> lines(ledger) == tasks);
                server.start();
                assertTrue(d.engine().awaitIdle(Duration.ofSeconds(120)), "every task ended");
                d.engine().flushJournal();
                // the server's restart dropped the host's lock with its connection: the host took it again
                dev.multiproc.journal.JournalException twin = org.junit.jupiter.api.Assertions.assertThrows(
                        dev.multiproc.journal.JournalException.class, () -> Hosts.builder(tmp.resolve("twin"), 1).journalUrl(db.url())
                                .journalCredentials(credentials).build().close());
                assertTrue(twin.getMessage().contains("already runs on the journal"), twin.getMessage());
            }
            try (Connection c = db.connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT state, COUNT(*) FROM task GROUP BY state")) {
                assertTrue(rs.next());
                assertEquals("DONE", rs.getString(1));
                assertEquals(tasks, rs.getInt(2), "every task journaled as done");
                assertTrue(!rs.next(), "no task in another state");
            }
        }
        List<String> ran = Files.readAllLines(ledger);
        assertEquals(tasks, ran.size(), "each task ran once");
        assertEquals(tasks, new HashSet<>(ran).size(), "no task ran twice");
    }

    private static int lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file).size() : 0;
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
