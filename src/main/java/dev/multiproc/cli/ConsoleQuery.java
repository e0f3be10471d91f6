package dev.multiproc.cli;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One query of the console: checked like {@code multiproc sql}, run on a connection of its own as the journal's
 * read-only user, stopped after {@link #TIMEOUT_SECONDS}, at most {@link #ROW_LIMIT} rows. Every value comes back as
 * text (H2's rendering), so that nothing in a result is turned into a Java object here.
 */
final class ConsoleQuery {
    static final int ROW_LIMIT = 1000;
    static final int TIMEOUT_SECONDS = 30;
    static final int MAX_CELL_CHARS = 10_000;
    private static final String WHO = "the console";

    record Result(List<String> columns, List<List<String>> rows, boolean truncated, long elapsedMillis) {
    }

    private ConsoleQuery() {
    }

    /** The rows of {@code sql}; an IllegalArgumentException (or IllegalStateException) with one clear line if none. */
    static Result run(JournalAccess access, String sql) {
        String q = ReadOnlyQuery.check(WHO, sql);
        long start = System.nanoTime();
        try (Connection c = access.reader(); Statement s = c.createStatement()) {
            s.setEscapeProcessing(false); // H2 gets the statement that was checked, not a JDBC-escape rewrite of it
            s.setQueryTimeout(TIMEOUT_SECONDS);
            s.setMaxRows(ROW_LIMIT + 1);
            try (ResultSet rs = s.executeQuery(q)) {
                ResultSetMetaData md = rs.getMetaData();
                List<String> columns = new ArrayList<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    columns.add(md.getColumnLabel(i).toLowerCase(Locale.ROOT));
                }
                List<List<String>> rows = new ArrayList<>();
                boolean truncated = false;
                while (rs.next()) {
                    if (rows.size() == ROW_LIMIT) {
                        truncated = true;
                        break;
                    }
                    List<String> row = new ArrayList<>(columns.size());
                    for (int i = 1; i <= columns.size(); i++) {
                        row.add(cell(rs.getString(i)));
                    }
                    rows.add(row);
                }
                return new Result(columns, rows, truncated, (System.nanoTime() - start) / 1_000_000);
            }
        } catch (SQLException e) {
            if (e.getErrorCode() == 57014) {
                throw new IllegalArgumentException("the query ran longer than " + TIMEOUT_SECONDS + " s and was stopped", e);
            }
            throw new IllegalArgumentException(SqlErrors.describe(WHO, e), e);
        }
    }

    private static String cell(String value) {
        if (value == null || value.length() <= MAX_CELL_CHARS) {
            return value;
        }
        return value.substring(0, MAX_CELL_CHARS) + "… (" + value.length() + " characters)";
    }
}
