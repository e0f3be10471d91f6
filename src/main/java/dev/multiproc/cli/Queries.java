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
}
