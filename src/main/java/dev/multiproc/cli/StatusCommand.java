package dev.multiproc.cli;

import java.io.PrintWriter;
import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code multiproc status}: what the journal's host is doing now. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Shows who holds the journal, how many tasks are in each state, the running tasks and the latest failures.",
        footer = {"", "Example:", "  multiproc status --json | jq .counts"})
final class StatusCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "Print JSON, for scripts.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        common.init();
        JournalAccess access = JournalAccess.of(common.journalDir());
        PrintWriter out = spec.commandLine().getOut();
        try (Connection c = access.reader()) {
            Table counts = Queries.table(c, "SELECT state, COUNT(*) AS tasks FROM task GROUP BY state ORDER BY state");
            Table running = Queries.table(c, "SELECT task_id, run_name, name, pid, started_at, running_s FROM running_tasks "
                    + "ORDER BY started_at LIMIT 20");
            Table failures = Queries.table(c, "SELECT task_id, run_name, name, state, reason, exit_code, ended_at, message FROM failures "
                    + "ORDER BY ended_at DESC NULLS LAST LIMIT 5");
            Table session = Queries.table(c, "SELECT session_id, started_at, ended_at, host_pid, parallelism, previous_clean, "
                    + "reattached, finished_while_down, lost, requeued, killed FROM host_sessions ORDER BY session_id DESC LIMIT 1");
            Map<String, Object> countMap = new LinkedHashMap<>();
            for (Map<String, Object> r : counts.records()) {
                countMap.put(String.valueOf(r.get("state")).toLowerCase(java.util.Locale.ROOT), r.get("tasks"));
            }
            String holder = access.holder().orElse(null);
            if (json) {
                Map<String, Object> all = new LinkedHashMap<>();
                all.put("journal", access.directory().root().toString());
                all.put("host", holder);
                all.put("counts", countMap);
                all.put("running", running.records());
                all.put("recent_failures", failures.records());
                all.put("last_session", session.records().isEmpty() ? null : session.records().get(0));
                out.println(Table.json(all));
                out.flush();
                return 0;
            }
            out.println("journal: " + access.directory().root());
            out.println("host:    " + (holder == null ? "none (no host holds the journal)" : holder));
            out.println("tasks:   " + (countMap.isEmpty() ? "none" : countMap.toString().replaceAll("[{}]", "")));
            if (running.size() > 0) {
                out.println();
                out.println("running:");
                running.print(out, Table.Format.TABLE);
            }
            if (failures.size() > 0) {
                out.println();
                out.println("latest failures:");
                failures.print(out, Table.Format.TABLE);
            }
            out.flush();
            return 0;
        }
    }
}
