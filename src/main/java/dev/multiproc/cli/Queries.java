package dev.multiproc.cli;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * The inspection commands' queries: one query with bound parameters into a {@link Table} (values are always bound, never
 * spliced into the SQL), and what the journal holds that changes their columns (Slurm jobs, several hosts).
 */
final class Queries {
    private Queries() {
    }

    static Table table(Connection c, String sql, List<Object> params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.size(); i++) {
                ps.setObject(i + 1, params.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                return Table.of(rs);
            }
        }
    }

    static Table table(Connection c, String sql, Object... params) throws SQLException {
        return table(c, sql, List.of(params));
    }

    /** Whether the journal has tasks run as Slurm jobs (whose Slurm job ids the tables then show). */
    static boolean hasSlurmJobs(Connection c) throws SQLException {
        return answersYes(c, "SELECT 1 FROM task_history WHERE slurm_job_id IS NOT NULL FETCH FIRST 1 ROW ONLY");
    }

    /**
     * Whether several named hosts have used the journal, which only a PostgreSQL journal allows: tables then name them. An
     * H2 journal has one host (a renamed machine or a set {@code host} is still that one), and its tables stay as they were.
     */
    static boolean severalHosts(Connection c) throws SQLException {
        return "PostgreSQL".equals(c.getMetaData().getDatabaseProductName())
                && answersYes(c, "SELECT 1 FROM host_session HAVING COUNT(DISTINCT host) > 1");
    }

    /**
     * Whether {@code query} returns a row; no on a journal of an earlier version, without the column it names (the query
     * itself tells: asking INFORMATION_SCHEMA first cost a command about 25 ms of its start on H2).
     */
    private static boolean answersYes(Connection c, String query) throws SQLException {
        try (var st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            return rs.next();
        } catch (SQLException e) {
            if (isMissingColumn(e)) {
                return false;
            }
            throw e;
        }
    }

    /**
     * How many steps of arrays have no task row yet ({@code array_fill}): they are queued, and their rows follow within
     * seconds of the submit (or when a host next opens the journal, if the one that took them died first). None on a
     * journal of an earlier version, which writes every row with the submit, and none to count for a PostgreSQL role
     * that may read the views but not that table.
     */
    static long unwrittenArraySteps(Connection c) throws SQLException {
        try (var st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT COALESCE(SUM(j.array_length - f.next_step), 0) FROM array_fill f JOIN job j ON j.job_id = f.job_id")) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (SQLException e) {
            // no such table (H2's, PostgreSQL's), not allowed to read it (H2's, PostgreSQL's)
            if (java.util.Set.of("42S02", "42P01", "90096", "42501").contains(e.getSQLState())) {
                return 0;
            }
            throw e;
        }
    }

    /** Whether a statement failed because a column it names does not exist (a journal of an earlier version). */
    static boolean isMissingColumn(SQLException e) {
        return "42S22".equals(e.getSQLState()) || "42703".equals(e.getSQLState()); // H2's and PostgreSQL's
    }
}
