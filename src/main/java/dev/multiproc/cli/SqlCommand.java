package dev.multiproc.cli;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code multiproc sql "SELECT ..."}: read-only queries against the journal. */
@Command(name = "sql", mixinStandardHelpOptions = true,
        description = {"Runs a read-only SQL query against the journal and prints the rows, also while a host runs tasks on it.",
                "The views task_history, running_tasks, failures, host_sessions and runs are the place to start (see README)."},
        footer = {"", "Examples:",
                "  multiproc sql \"SELECT name, state, duration_s FROM task_history ORDER BY duration_s DESC LIMIT 10\"",
                "  multiproc sql --csv \"SELECT * FROM failures\" > failures.csv"})
final class SqlCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "QUERY", description = "One SQL query (SELECT, WITH, SHOW, EXPLAIN, VALUES, TABLE).")
    String query;

    @Override
    public Integer call() throws Exception {
        common.init();
        Table.Format format = output.format();
        String q = query.strip();
        if (q.endsWith(";")) {
            q = q.substring(0, q.length() - 1).strip();
        }
        if (!isQuery(q)) {
            throw new IllegalArgumentException("multiproc sql is read-only: only queries (SELECT, WITH, SHOW, EXPLAIN, VALUES, TABLE) "
                    + "are allowed, not '" + firstWord(q) + "'");
        }
        try (Connection c = JournalAccess.of(common.journalDir(), spec.commandLine().getErr()).reader(); Statement s = c.createStatement()) {
            s.setMaxRows(1_000_000);
            try (ResultSet rs = s.executeQuery(q)) {
                Table.of(rs).print(spec.commandLine().getOut(), format);
            }
        } catch (SQLException e) {
            throw new IllegalArgumentException(describe(e), e);
        }
        return 0;
    }

    static boolean isQuery(String q) {
        return switch (firstWord(q).toUpperCase(Locale.ROOT)) {
            case "SELECT", "WITH", "SHOW", "EXPLAIN", "VALUES", "TABLE", "(" -> true;
            default -> false;
        };
    }

    private static String firstWord(String q) {
        String t = q.strip();
        if (t.startsWith("(")) {
            return "(";
        }
        int end = 0;
        while (end < t.length() && Character.isLetter(t.charAt(end))) {
            end++;
        }
        return end == 0 ? t.split("\\s+", 2)[0] : t.substring(0, end);
    }

    /** H2's message, without the statement echo and error codes a person does not need. */
    private static String describe(SQLException e) {
        if (e.getErrorCode() == 90096 || e.getErrorCode() == 90040) {
            return "multiproc sql is read-only: the journal's reader may not change anything (" + firstLine(e.getMessage()) + ")";
        }
        return "query failed: " + firstLine(e.getMessage());
    }

    private static String firstLine(String message) {
        String m = message == null ? "" : message;
        int sql = m.indexOf("; SQL statement:");
        if (sql > 0) {
            m = m.substring(0, sql);
        }
        return m.replaceAll("\\s*\\[\\d+-\\d+]$", "").replace('\n', ' ').trim();
    }
}
