package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code status} and {@code history} tell a journal of a version before Slurm by the failing query itself, not by
 * H2's INFORMATION_SCHEMA: on a real H2 file, a history without the column reads as no Slurm jobs, and any other
 * failure still fails.
 */
class SlurmColumnCheckTest {
    @TempDir
    Path tmp;

    @Test
    void aHistoryWithoutTheSlurmColumnHasNoSlurmJobsAndOtherFailuresStillFail() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + tmp.resolve("journal"), "sa", "")) {
            c.createStatement().execute("CREATE TABLE task_history (task_id BIGINT)");
            assertFalse(Queries.hasSlurmJobs(c));

            c.createStatement().execute("ALTER TABLE task_history ADD COLUMN slurm_job_id BIGINT");
            assertFalse(Queries.hasSlurmJobs(c));
            c.createStatement().execute("INSERT INTO task_history VALUES (1, 42)");
            assertTrue(Queries.hasSlurmJobs(c));

            c.createStatement().execute("DROP TABLE task_history");
            SQLException noTable = assertThrows(SQLException.class, () -> Queries.hasSlurmJobs(c));
            assertFalse(Queries.isMissingColumn(noTable), noTable.toString());
        }
    }
}
