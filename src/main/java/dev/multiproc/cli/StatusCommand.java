package dev.multiproc.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
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
        return run(spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** Prints the status to {@code out}; {@code err} hears that it waits for a starting host. */
    int run(PrintWriter out, PrintWriter err) throws Exception {
        common.init();
        JournalAccess access = JournalAccess.of(common, err);
        Optional<SavedStatus> saved = access.isFile() && common.verbose.length == 0 ? SavedStatus.of(access.directory(), json)
                : Optional.empty();
        Optional<String> answer = saved.flatMap(SavedStatus::answer);
        if (answer.isPresent()) {
            out.print(answer.get());
            out.flush();
            dev.multiproc.trace.StartupTrace.mark("saved answer");
            return 0;
        }
        StringWriter printed = new StringWriter();
        int status = print(access, new PrintWriter(printed));
        out.print(printed);
        out.flush();
        if (!access.readAnOlderState()) {
            saved.ifPresent(s -> s.keep(printed.toString()));
        }
        dev.multiproc.trace.StartupTrace.mark("queries, output");
        return status;
    }

    private int print(JournalAccess access, PrintWriter out) throws Exception {
        try (Connection c = access.reader()) {
            dev.multiproc.trace.StartupTrace.mark("journal snapshot or server connection");
            render(c, access.directory().root().toString(), access.holder().orElse(null), json, out);
            return 0;
        }
    }

    /**
     * Prints the status of the journal at {@code journal}, read through {@code c}, that {@code holder} holds (null: no
     * host does). A host that closes prints it too, as it leaves the journal ({@link StatusLeftByHost}).
     */
    static void render(Connection c, String journal, String holder, boolean json, PrintWriter out) throws SQLException {
        Table counts = Queries.table(c, "SELECT state, COUNT(*) AS tasks FROM task GROUP BY state ORDER BY state");
        // without a host nobody watches the running tasks: how long they have run is not known
        boolean slurm = Queries.hasSlurmJobs(c);
        boolean severalHosts = Queries.severalHosts(c);
        Table running = Queries.table(c, "SELECT r.task_id" + (severalHosts ? ", r.host" : "") + ", r.run_name, r.name, r.pid"
                + (slurm ? ", t.slurm_job_id" : "")
                + ", r.started_at" + (holder == null ? "" : ", r.running_s") + " FROM running_tasks r"
                + (slurm ? " JOIN task t ON t.task_id = r.task_id" : "") + " ORDER BY r.started_at, r.task_id LIMIT 20");
        Table failures = Queries.table(c, "SELECT task_id" + (severalHosts ? ", host" : "")
                + ", run_name, name, state, reason, exit_code, ended_at, message FROM failures "
                + "ORDER BY ended_at DESC NULLS LAST, task_id DESC LIMIT 5");
        Table session = Queries.table(c, "SELECT session_id, started_at, ended_at, host_pid, parallelism, previous_clean, "
                + "reattached, finished_while_down, lost, requeued, killed FROM host_sessions ORDER BY session_id DESC LIMIT 1");
        Table hosts = severalHosts ? Queries.table(c, "SELECT h.host, h.host_name AS machine, h.session_id AS last_session, "
                + "h.started_at, h.ended_at, (SELECT COUNT(*) FROM task_history t WHERE t.host = h.host AND t.state = 'RUNNING') "
                + "AS running, (SELECT COUNT(*) FROM task_history t WHERE t.host = h.host AND t.state = 'QUEUED') AS queued "
                + "FROM host_sessions h WHERE h.session_id = (SELECT MAX(h2.session_id) FROM host_sessions h2 WHERE h2.host = h.host) "
                + "ORDER BY h.host") : null;
        Map<String, Object> countMap = new java.util.TreeMap<>(); // in the states' order, as the query sorts them
        for (Map<String, Object> r : counts.records()) {
            countMap.put(String.valueOf(r.get("state")).toLowerCase(java.util.Locale.ROOT), ((Number) r.get("tasks")).longValue());
        }
        long unwritten = Queries.unwrittenArraySteps(c);
        if (unwritten > 0) {
            countMap.merge("queued", unwritten, (rows, more) -> (Long) rows + (Long) more);
        }
        String asLeft = holder == null ? asLeftByTheLastHost(countMap, session) : null;
        if (json) {
            Map<String, Object> all = new LinkedHashMap<>();
            all.put("journal", journal);
            all.put("host", holder);
            all.put("host_alive", holder != null);
            if (asLeft != null) {
                all.put("note", asLeft);
            }
            all.put("counts", countMap);
            if (hosts != null) {
                all.put("hosts", hosts.records());
            }
            all.put("running", running.records());
            all.put("recent_failures", failures.records());
            all.put("last_session", session.records().isEmpty() ? null : session.records().get(0));
            out.println(Table.json(all));
            out.flush();
            return;
        }
        out.println("journal: " + journal);
        out.println("host:    " + (holder == null ? "none (no host holds the journal)" : holder));
        out.println("tasks:   " + (countMap.isEmpty() ? "none" : countMap.toString().replaceAll("[{}]", "")));
        if (asLeft != null) {
            out.println("note:    " + asLeft);
        }
        if (hosts != null) {
            out.println();
            out.println("hosts on this journal (the last session of each):");
            hosts.print(out, Table.Format.TABLE);
        }
        if (running.size() > 0) {
            out.println();
            out.println(holder == null ? "running when the last host left (as it left them, not live):" : "running:");
            running.print(out, Table.Format.TABLE);
        }
        if (failures.size() > 0) {
            out.println();
            out.println("latest failures:");
            failures.print(out, Table.Format.TABLE);
        }
        out.flush();
    }

    /** What to say when no host holds the journal but it records tasks as running or queued; null when it records none. */
    static String asLeftByTheLastHost(Map<String, Object> counts, Table lastSession) {
        long running = counts.get("running") == null ? 0 : ((Number) counts.get("running")).longValue();
        long queued = counts.get("queued") == null ? 0 : ((Number) counts.get("queued")).longValue();
        if (running == 0 && queued == 0) {
            return null;
        }
        String last = "the last host";
        if (lastSession.size() > 0) {
            Map<String, Object> s = lastSession.records().get(0);
            last += " (pid " + s.get("host_pid") + ", session " + s.get("session_id") + ", "
                    + (s.get("ended_at") == null ? "which died without ending its session" : "which left at " + s.get("ended_at")) + ")";
        }
        return "no host holds the journal: the " + running + " running and " + queued + " queued tasks are as " + last
                + " left them, not live (running ones may have ended since); they are settled when a host next starts on this "
                + "journal (run the same multiproc run again to resume its run)";
    }
}
