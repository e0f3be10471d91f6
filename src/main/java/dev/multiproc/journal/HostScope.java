package dev.multiproc.journal;

import java.util.regex.Pattern;

/**
 * Which rows of the journal are one host's own. On H2 a journal file has one host, so every row is its own
 * ({@link #WHOLE_JOURNAL}); on PostgreSQL several named hosts share the journal, and a host's jobs are those its
 * sessions submitted. The name is checked to be a plain word ({@link #checkName}), so it can stand in SQL text
 * as a literal: the conditions are spliced into statements as Jdbi's {@code <defined>} attributes, which lets one
 * statement serve both cases without a parameter that one of them would not use.
 */
public record HostScope(String host) {
    public static final HostScope WHOLE_JOURNAL = new HostScope(null);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    public static HostScope of(String host) {
        return new HostScope(checkName(host));
    }

    /** The name of a host not given one: the machine's, made a valid name. */
    public static String defaultName() {
        String name = SessionRow.machineName().replaceAll("[^A-Za-z0-9._-]", "-").replaceFirst("^[^A-Za-z0-9]+", "");
        name = name.length() > 63 ? name.substring(0, 63) : name;
        return name.isEmpty() ? "localhost" : name;
    }

    /** A host's name: 1 to 63 letters, digits, dots, underscores and dashes, starting with a letter or digit. */
    public static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("host name " + (name == null ? "(none)" : "'" + name + "'") + " is not valid: "
                    + "1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return name;
    }

    /** A condition on the jobs of {@code alias}: true for this host's jobs. */
    String jobs(String alias) {
        return host == null ? "TRUE" : alias + ".session_id IN (SELECT session_id FROM host_session WHERE host = '" + host + "')";
    }

    /**
     * {@code AND} a condition on {@code jobIdColumn}: true for this host's jobs; nothing at all on a whole journal, so
     * that H2 plans the statement exactly as before hosts had names (a constant {@code TRUE} beside a join or an
     * {@code IN} subquery still changes its plan: a retention query went from 6 to 875 ms on 300,000 tasks).
     */
    String andOwnJob(String jobIdColumn) {
        return host == null ? "" : " AND " + jobIdColumn + " IN (SELECT j.job_id FROM job j WHERE " + jobs("j") + ")";
    }

    /** A condition on the rows of a table with a {@code host} column ({@code host_session}, {@code run}, {@code exit_info}). */
    String rows(String alias) {
        return host == null ? "TRUE" : alias + ".host = '" + host + "'";
    }

    /** A condition on the tasks named by {@code taskIdColumn}: true for those of this host's jobs. */
    String tasks(String taskIdColumn) {
        return host == null ? "TRUE" : taskIdColumn + " IN (SELECT t.task_id FROM task t JOIN job j ON j.job_id = t.job_id WHERE "
                + jobs("j") + ")";
    }
}
