package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.multiproc.testing.Cli;
import dev.multiproc.testing.JournalTest;
import dev.multiproc.testing.PostgresJournals;
import dev.multiproc.testing.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code multiproc bench --journal-url}: a tiny bench against the real PostgreSQL server of the tests (skipped
 * when there is none, failed when MULTIPROC_POSTGRES_REQUIRED is set), whose PostgreSQL figures stand beside H2's.
 */
@Tag("slow") // a benchmark, however small: minutes on a loaded machine
class BenchOnPostgresTest extends JournalTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void measuresThroughputTheArrayAndThePollOnPostgresBesideH2AndDropsItsDatabases() throws Exception {
        // the bench connects to this database (its credentials in a 0600 file) and creates one of its own per figure
        PostgresJournals.Journal db = PostgresJournals.create("bench", tmp.resolve("postgres"));
        try (PostgresServer.Database database = db.database()) {
            Set<String> before = benchDatabases(db);
            Process p = Cli.start(tmp, "bench", "--tasks", "100", "--rounds", "1", "--warmup", "50", "--jobs", "2", "--array-steps", "500",
                    "--history", "300", "--active", "5", "--poll-calls", "20", "--recovery-tasks", "20", "--heap-tasks", "0",
                    "--api-calls", "0", "--footprint-lines", "0", "--footprint-history", "0", "--dir", tmp.resolve("bench").toString(),
                    "--journal-url", db.database().url(), "--journal-credentials", db.credentialsFile().toString(), "--json");
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("multiproc bench did not end within 5 minutes");
            }
            String out = Cli.out(tmp, p);
            String all = "exit " + p.exitValue() + "\n--- stdout\n" + out + "--- stderr\n" + Cli.err(tmp, p);
            assertEquals(0, p.exitValue(), all);

            JsonNode json = JSON.readTree(out);
            JsonNode h2 = json.path("local");
            JsonNode pg = json.path("postgres");
            assertTrue(pg.path("server").asText().startsWith("PostgreSQL "), all);
            for (JsonNode journal : new JsonNode[] {h2, pg}) {
                JsonNode t = journal.path("throughput").path(0);
                assertEquals(2, t.path("jobs").asInt(), all);
                assertTrue(t.path("multiproc").asDouble() > 0 && t.path("xargs").asDouble() > 0, all);
                assertTrue(journal.path("arraySubmitMs").asDouble() > 0, all);
                assertEquals(500, journal.path("arraySteps").asInt(), all);
                assertEquals(20, journal.path("poll").path("calls").asInt(), all);
                assertTrue(journal.path("poll").path("medianUs").asDouble() > 0 && journal.path("poll").path("p99Us").asDouble() > 0, all);
                assertEquals(300, journal.path("historyTasks").asInt(), all);
            }
            assertEquals(before, benchDatabases(db), "the bench dropped the databases it created\n" + all);
        }
    }

    private static Set<String> benchDatabases(PostgresJournals.Journal db) throws Exception {
        Set<String> names = new HashSet<>();
        try (Connection c = db.database().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT datname FROM pg_database WHERE datname LIKE 'multiproc_bench_%'")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }
}
