package dev.multiproc.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.journal.JournalException;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import dev.multiproc.testing.PostgresJournals;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What is the journal's own on PostgreSQL: one host per database, the views, and no H2 file beside it. */
@Tag("slow") // PostgreSQL journals; CI runs the slow tier with the server up (the default tier stays under 90 s)
class PostgresJournalTest extends JournalTest {
    @RegisterExtension
    final PostgresJournals postgres = new PostgresJournals(this::journal);

    @Test
    void aSecondHostOfTheSameNameIsRefusedNamingTheFirst() {
        try (MultiprocessDistributor first = Hosts.open(journal(), 1)) {
            // another journal directory (another host lock), the same database, the same (default) name
            MultiprocessDistributor.Builder second = Hosts.builder(tmp.resolve("other-journal"), 1)
                    .journalUrl(postgres.current().database().url()).journalCredentials(postgres.current().credentialsFile());
            JournalException e = assertThrows(JournalException.class, () -> second.build().close());
            String name = dev.multiproc.journal.HostScope.defaultName();
            assertTrue(e.getMessage().contains("a host named " + name + " already runs on the journal"), e.getMessage());
            assertTrue(e.getMessage().contains("(multiproc host " + name + " (pid " + ProcessHandle.current().pid()), e.getMessage());
            // another name is another host: it may share the journal
            second.host("second-host").build().close();
        }
        // the first one closed: its lock went with it
        Hosts.open(journal(), 1).close();
    }

    @Test
    void theViewsShowTimesAsTimestampsOnTheServer() throws Exception {
        try (MultiprocessDistributor d = Hosts.open(journal(), 1)) {
            d.start();
            String id = d.submitToBatchDistributor("sleep 0.3", "timed", java.util.Map.of());
            assertTrue(d.engine().awaitIdle(java.time.Duration.ofSeconds(60)));
            d.engine().flushJournal();
            try (Connection c = postgres.current().database().connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT state, duration_s, ended_at > started_at, "
                         + "ended_at > now() - interval '1 hour' FROM task_history WHERE task_id = '" + id + "'")) {
                assertTrue(rs.next());
                assertEquals("DONE", rs.getString(1));
                assertTrue(rs.getDouble(2) >= 0.3, "duration " + rs.getDouble(2));
                assertTrue(rs.getBoolean(3) && rs.getBoolean(4), "ended after it started, within the hour");
            }
        }
    }
}
