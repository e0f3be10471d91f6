package dev.multiproc.cli;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** Runs one query with bound parameters into a {@link Table}. Values are always bound, never spliced into the SQL. */
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

    /** Whether a statement failed because a column it names does not exist (a journal of an earlier version). */
    static boolean isMissingColumn(SQLException e) {
        return "42S22".equals(e.getSQLState()) || "42703".equals(e.getSQLState()); // H2's and PostgreSQL's
    }

    /**
     * Whether several named hosts have used the journal, which only a PostgreSQL journal allows: tables then name them. An
     * H2 journal has one host (a renamed machine or a set {@code host} is still that one), and its tables stay as they were.
     */
    static boolean severalHosts(Connection c) throws SQLException {
        if (!"PostgreSQL".equals(c.getMetaData().getDatabaseProductName())) {
            return false;
        }
        try (var st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.COLUMNS WHERE UPPER(TABLE_NAME) = 'HOST_SESSION' "
                        + "AND UPPER(COLUMN_NAME) = 'HOST'")) {
            if (!rs.next() || rs.getInt(1) == 0) {
                return false; // a journal of a version before named hosts
            }
        }
        try (var st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(DISTINCT host) FROM host_session")) {
            return rs.next() && rs.getInt(1) > 1;
        }
    }
}
