package dev.multiproc.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A journal opens without Flyway only when its schema history is exactly this version's migrations, all
 * applied and unchanged; anything else is Flyway's to migrate or refuse.
 */
class SchemaHistoryCheckTest {
    @TempDir
    Path tmp;

    @Test
    void theBundledMigrationsAreFlywaysOwnWithFlywaysChecksums() throws Exception {
        DatabaseFile empty = new DatabaseFile(tmp.resolve("empty"), new JournalCredentials("o", "r", "k"));
        MigrationInfo[] resolved = Flyway.configure().dataSource(empty.dataSource()).locations("classpath:db/migration", "classpath:db/h2")
                .load().info().all();
        List<SchemaHistoryCheck.Migration> flyways = new ArrayList<>();
        for (MigrationInfo m : resolved) {
            flyways.add(new SchemaHistoryCheck.Migration(m.getVersion().getVersion(), m.getDescription(), m.getScript(), m.getChecksum()));
        }
        try (Stream<Path> shared = Files.list(Path.of("db/migration")); Stream<Path> h2 = Files.list(Path.of("db/h2"))) {
            assertEquals(shared.count() + h2.count(), SchemaHistoryCheck.bundled().size(), "every file of db/migration and db/h2 is in the index");
        }
        assertEquals(flyways, SchemaHistoryCheck.bundled());
    }

    @Test
    void aJournalAtThisVersionsSchemaIsRecognised() throws Exception {
        JournalDirectory dir = journal();
        List<SchemaHistoryCheck.Migration> bundled = SchemaHistoryCheck.bundled();
        assertEquals(Optional.of(bundled.get(bundled.size() - 1).version()), check(dir, null));
    }

    @Test
    void aChangedMigrationIsLeftToFlyway() throws Exception {
        assertEquals(Optional.empty(), check(journal(), "UPDATE \"flyway_schema_history\" SET \"checksum\" = \"checksum\" + 1 WHERE \"version\" = '3'"));
        assertEquals(Optional.empty(), check(journal(), "UPDATE \"flyway_schema_history\" SET \"description\" = 'other' WHERE \"version\" = '2'"));
        assertEquals(Optional.empty(), check(journal(), "UPDATE \"flyway_schema_history\" SET \"checksum\" = NULL WHERE \"version\" = '1'"));
    }

    @Test
    void aFailedPendingOrNewerMigrationIsLeftToFlyway() throws Exception {
        assertEquals(Optional.empty(), check(journal(), "UPDATE \"flyway_schema_history\" SET \"success\" = FALSE WHERE \"version\" = '1'"));
        assertEquals(Optional.empty(), check(journal(),
                "DELETE FROM \"flyway_schema_history\" WHERE \"installed_rank\" = (SELECT MAX(\"installed_rank\") FROM \"flyway_schema_history\")"));
        assertEquals(Optional.empty(), check(journal(), "INSERT INTO \"flyway_schema_history\" SELECT \"installed_rank\" + 100, '999', "
                + "\"description\", \"type\", 'V999__newer.sql', \"checksum\", \"installed_by\", \"installed_on\", \"execution_time\", \"success\" "
                + "FROM \"flyway_schema_history\" WHERE \"version\" = '1'"));
    }

    @Test
    void aJournalWithNoSchemaHistoryIsLeftToFlyway() throws Exception {
        DatabaseFile empty = new DatabaseFile(tmp.resolve("empty"), new JournalCredentials("o", "r", "k"));
        try (Connection c = empty.dataSource().getConnection()) {
            assertEquals(Optional.empty(), SchemaHistoryCheck.versionIfExactlyApplied(c, SchemaHistoryCheck.bundled()));
        }
        assertFalse(SchemaHistoryCheck.bundled().isEmpty());
    }

    @Test
    void aJournalChangedAfterTheCheckIsStillRefusedByFlyway() throws Exception {
        JournalDirectory dir = journal();
        check(dir, "UPDATE \"flyway_schema_history\" SET \"checksum\" = \"checksum\" + 1 WHERE \"version\" = '5'");
        JournalException e = org.junit.jupiter.api.Assertions.assertThrows(JournalException.class, () -> Journal.open(dir, false));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    }

    private int journals;

    private JournalDirectory journal() {
        JournalDirectory dir = JournalDirectory.prepare(tmp.resolve("journal" + journals++));
        Journal.open(dir, false).close();
        return dir;
    }

    /** Runs {@code change} (when not null) on the closed journal, then the check. */
    private static Optional<String> check(JournalDirectory dir, String change) throws Exception {
        DatabaseFile file = new DatabaseFile(dir.databaseBase(), JournalCredentials.load(dir.credentialsFile()));
        try (Connection c = file.dataSource().getConnection(); Statement s = c.createStatement()) {
            if (change != null) {
                assertEquals(1, s.executeUpdate(change), change);
            }
            Optional<String> result = SchemaHistoryCheck.versionIfExactlyApplied(c, SchemaHistoryCheck.bundled());
            s.execute("SHUTDOWN");
            return result;
        }
    }
}
