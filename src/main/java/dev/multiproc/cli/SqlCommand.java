package dev.multiproc.cli;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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

    @Parameters(index = "0", paramLabel = "QUERY", description = "One SQL query (" + ReadOnlyQuery.KINDS + ").")
    String query;

    @Override
    public Integer call() throws Exception {
        common.init();
        Table.Format format = output.format();
        String q = ReadOnlyQuery.check("multiproc sql", query);
        try (Connection c = JournalAccess.of(common, spec.commandLine().getErr()).reader(); Statement s = c.createStatement()) {
            s.setEscapeProcessing(false); // H2 gets the statement that was checked, not a JDBC-escape rewrite of it
            s.setMaxRows(1_000_000);
            try (ResultSet rs = s.executeQuery(q)) {
                Table.of(rs).print(spec.commandLine().getOut(), format);
            }
        } catch (SQLException e) {
            throw new IllegalArgumentException(SqlErrors.describe("multiproc sql", e), e);
        }
        return 0;
    }
}
