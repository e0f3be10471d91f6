package dev.multiproc.cli;

import java.sql.SQLException;

/** H2's error message for people: one line, without the statement echo and the error codes. */
final class SqlErrors {
    private SqlErrors() {
    }

    static String describe(String who, SQLException e) {
        if (e.getErrorCode() == 90096 && String.valueOf(e.getMessage()).contains("JOB_ENVIRONMENT")) {
            return "job_environment holds the variables service clients gave their tasks (their secrets): " + who
                    + " may not read it; every other table and view is open to it";
        }
        if (e.getErrorCode() == 90096 || e.getErrorCode() == 90040 || e.getErrorCode() == 90097) {
            return who + " is read-only: the journal's reader may only read the journal (" + firstLine(e.getMessage()) + ")";
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
