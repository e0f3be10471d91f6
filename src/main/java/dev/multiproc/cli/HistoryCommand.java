package dev.multiproc.cli;

import dev.multiproc.config.ConfigException;
import dev.multiproc.config.Durations;
import java.sql.Connection;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code multiproc history}: tasks, newest first. */
@Command(name = "history", mixinStandardHelpOptions = true,
        description = "Lists tasks from the journal, newest first, with how they ended, how long they took and the resources they used.",
        footer = {"", "Examples:", "  multiproc history --state failed,lost --since 2h",
                "  multiproc history --run commands.txt --limit 1000 --csv"})
final class HistoryCommand implements Callable<Integer> {
    private static final List<String> STATES = java.util.Arrays.stream(dev.multiproc.core.TaskState.values()).map(Enum::name).toList();

    @Mixin
    CommonOptions common;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--state", paramLabel = "STATE[,STATE...]", split = ",",
            description = "Only tasks in these states: queued, running, done, failed, terminated, lost, error.")
    List<String> states = new ArrayList<>();

    @Option(names = "--name", paramLabel = "NAME", description = "Only tasks with this name (* matches anything).")
    String name;

    @Option(names = "--run", paramLabel = "RUN", description = "Only tasks of this run of `multiproc run`.")
    String run;

    @Option(names = "--host", paramLabel = "HOST", description = "Only tasks of this host (several hosts share a journal on PostgreSQL).")
    String host;

    @Option(names = "--since", paramLabel = "WHEN",
            description = "Only tasks submitted since WHEN: a duration ago (30m, 2h, 1h30m, 1d is 24h) or a date/time (2026-11-26, "
                    + "2026-11-26T10:00:00Z).")
    String since;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "At most N tasks (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() throws Exception {
        common.init();
        Table.Format format = output.format();
        if (limit < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be at least 1, got " + limit);
        }
        StringBuilder sql = new StringBuilder("SELECT task_id, run_name, name, state, exit_code, end_cause, attempt, submitted_at, "
                + "started_at, ended_at, duration_s, cpu_s, peak_rss_mb, message, command FROM task_history WHERE 1 = 1");
        int slurmColumnAt = sql.indexOf(", run_name");
        List<Object> params = new ArrayList<>();
        if (!states.isEmpty()) {
            sql.append(" AND state IN (");
            for (int i = 0; i < states.size(); i++) {
                String s = states.get(i).trim().toUpperCase(Locale.ROOT);
                if (!STATES.contains(s)) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "unknown --state '" + states.get(i) + "' (known: "
                            + String.join(", ", STATES).toLowerCase(Locale.ROOT) + ")");
                }
                sql.append(i == 0 ? "?" : ", ?");
                params.add(s);
            }
            sql.append(")");
        }
        if (name != null) {
            sql.append(" AND name LIKE ? ESCAPE '\\'");
            params.add(name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace('*', '%'));
        }
        if (run != null) {
            sql.append(" AND run_name = ?");
            params.add(run);
        }
        if (host != null) {
            sql.append(" AND host = ?");
            params.add(host);
        }
        if (since != null) {
            sql.append(" AND submitted_at >= ?");
            params.add(sinceTime(since));
        }
        sql.append(" ORDER BY submitted_at DESC, job_id DESC, step DESC NULLS FIRST FETCH FIRST ? ROWS ONLY");
        params.add(limit);
        try (Connection c = JournalAccess.of(common, spec.commandLine().getErr()).reader()) {
            if (Queries.severalHosts(c)) {
                sql.insert(slurmColumnAt, ", host");
            }
            if (Queries.hasSlurmJobs(c)) {
                sql.insert(slurmColumnAt, ", slurm_job_id");
            }
            Queries.table(c, sql.toString(), params).print(spec.commandLine().getOut(), format);
        }
        return 0;
    }

    private OffsetDateTime sinceTime(String when) {
        String w = when.trim();
        try {
            if (w.matches("\\d{4}-\\d{2}-\\d{2}")) {
                return LocalDate.parse(w).atStartOfDay(ZoneId.systemDefault()).toOffsetDateTime();
            }
            if (w.contains("T")) {
                return OffsetDateTime.ofInstant(Instant.parse(w), ZoneId.systemDefault());
            }
            return OffsetDateTime.now().minus(Durations.parse("--since", w));
        } catch (ConfigException e) {
            boolean meantAsDuration = !w.isEmpty() && Character.isDigit(w.charAt(0)); // then the reason is the duration's (1:60:00)
            throw new CommandLine.ParameterException(spec.commandLine(), meantAsDuration ? e.getMessage() : sinceForms(when));
        } catch (DateTimeParseException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), sinceForms(when));
        }
    }

    private static String sinceForms(String when) {
        return "--since must be a duration (30m, 2h, 1h30m, 1:30:00) or a date/time (2026-11-26, 2026-11-26T10:00:00Z), got '" + when + "'";
    }
}
