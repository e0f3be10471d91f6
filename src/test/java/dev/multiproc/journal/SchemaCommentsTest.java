package dev.multiproc.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whoever reads the schema of a journal (INFORMATION_SCHEMA, a SQL client) reads what each table, view and column holds. */
class SchemaCommentsTest {
    /** Flyway's own bookkeeping, documented by Flyway. */
    private static final String FLYWAY_HISTORY = "flyway_schema_history";

    @TempDir
    Path tmp;

    @Test
    void everyTableViewAndColumnOfANewJournalHasAComment() {
        try (Journal journal = Journal.open(JournalDirectory.prepare(tmp.resolve("journal")), false)) {
            List<String> tables = journal.jdbi().withHandle(h -> h.createQuery(
                    "SELECT LOWER(table_name) FROM information_schema.tables WHERE table_schema = 'PUBLIC' AND table_name <> :flyway")
                    .bind("flyway", FLYWAY_HISTORY).mapTo(String.class).list());
            assertTrue(tables.containsAll(List.of("task", "job", "host_session", "task_history", "runs")), tables.toString());
            List<String> uncommentedTables = journal.jdbi().withHandle(h -> h.createQuery(
                    "SELECT LOWER(table_name) FROM information_schema.tables WHERE table_schema = 'PUBLIC' AND table_name <> :flyway "
                            + "AND (remarks IS NULL OR TRIM(remarks) = '') ORDER BY 1")
                    .bind("flyway", FLYWAY_HISTORY).mapTo(String.class).list());
            assertEquals(List.of(), uncommentedTables, "tables and views without a comment");

            long columns = journal.jdbi().withHandle(h -> h.createQuery(
                    "SELECT COUNT(*) FROM information_schema.columns c JOIN information_schema.tables t "
                            + "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
                            + "WHERE t.table_schema = 'PUBLIC' AND t.table_type = 'BASE TABLE' AND t.table_name <> :flyway")
                    .bind("flyway", FLYWAY_HISTORY).mapTo(Long.class).one());
            assertTrue(columns > 50, "the base tables have only " + columns + " columns: the query finds the wrong ones");
            List<String> uncommentedColumns = journal.jdbi().withHandle(h -> h.createQuery(
                    "SELECT LOWER(c.table_name || '.' || c.column_name) FROM information_schema.columns c "
                            + "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
                            + "WHERE t.table_schema = 'PUBLIC' AND t.table_type = 'BASE TABLE' AND t.table_name <> :flyway "
                            + "AND (c.remarks IS NULL OR TRIM(c.remarks) = '') ORDER BY 1")
                    .bind("flyway", FLYWAY_HISTORY).mapTo(String.class).list());
            assertEquals(List.of(), uncommentedColumns, "columns of base tables without a comment");
        }
    }
}
