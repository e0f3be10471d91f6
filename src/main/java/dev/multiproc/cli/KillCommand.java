package dev.multiproc.cli;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.journal.TaskRequestDao;
import dev.multiproc.journal.TaskRequestRow;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code multiproc kill ID...}: terminates tasks with their process trees, whoever runs them. */
@Command(name = "kill", mixinStandardHelpOptions = true,
        description = {"Terminates tasks with everything they started (SIGTERM, then SIGKILL after the grace period); queued ones never start.",
                "While a host runs the journal, it is asked to do it; with no host, this command takes over the journal briefly."},
        footer = {"", "Example:", "  multiproc kill 17 18_3"})
final class KillCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "ID", description = "Task ids, such as 17 or 18_3.")
    List<String> ids;

    @Option(names = "--json", description = "Print JSON, for scripts.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        common.init();
        JournalAccess access = JournalAccess.of(common, spec.commandLine().getErr());
        Map<String, String> outcome;
        Optional<Connection> owner = access.ownerViaServer();
        if (owner.isPresent()) {
            try (Connection c = owner.get()) {
                outcome = askTheHost(c, access);
            }
        } else {
            outcome = killHere();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Table.json(outcome));
        } else {
            outcome.forEach((id, what) -> out.println(id + ": " + what));
        }
        out.flush();
        return outcome.values().stream().allMatch(v -> v.equals("terminated")) ? 0 : 1;
    }

    /** Whether {@code id} is a step of a large array just submitted, whose task row the host has not written yet (queued). */
    private static boolean unwrittenStep(org.jdbi.v3.core.Handle h, String id) {
        return dev.multiproc.core.TaskId.parse(id).filter(t -> t.step() != null).map(t -> h.createQuery("SELECT COUNT(*) FROM array_fill f "
                + "JOIN job j ON j.job_id = f.job_id WHERE f.job_id = :job AND :step >= f.next_step AND :step < j.array_length")
                .bind("job", t.jobId()).bind("step", t.step()).mapTo(Integer.class).one() > 0).orElse(false);
    }

    /**
     * Leaves terminate requests for the host, then waits for its answers. The host may stop right after
     * answering (when the task was its run's last): then the answers are read from the journal it left.
     */
    private Map<String, String> askTheHost(Connection c, JournalAccess access) throws InterruptedException {
        Jdbi jdbi = Jdbi.create(c).installPlugin(new SqlObjectPlugin());
        TaskRequestDao requests = jdbi.onDemand(TaskRequestDao.class);
        String by = "multiproc kill (pid " + ProcessHandle.current().pid() + ")";
        // in one transaction: the host sees all the requests or none, so it cannot stop (its run over) between two of them
        Map<String, String> outcome = new LinkedHashMap<>();
        Map<String, Long> asked = jdbi.inTransaction(h -> {
            TaskRequestDao dao = h.attach(TaskRequestDao.class);
            Map<String, Long> rows = new LinkedHashMap<>();
            for (String id : ids) {
                // on a journal several hosts share, only the task's own host answers: none would answer for a task that is not active
                boolean active = h.createQuery("SELECT COUNT(*) FROM task WHERE task_id = :id AND state IN ('QUEUED', 'RUNNING')")
                        .bind("id", id).mapTo(Integer.class).one() > 0 || unwrittenStep(h, id);
                if (active) {
                    rows.put(id, dao.insert(id, "terminate", System.currentTimeMillis(), by));
                } else {
                    outcome.put(id, "not queued or running");
                }
            }
            return rows;
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (Map.Entry<String, Long> e : asked.entrySet()) {
            while (true) {
                var row = read(requests, access, e.getValue());
                if (row.isPresent() && row.get().handledMs() != null) {
                    outcome.put(e.getKey(), row.get().outcome());
                    break;
                }
                if (System.nanoTime() > deadline) {
                    outcome.put(e.getKey(), "asked; the host has not answered yet");
                    break;
                }
                Thread.sleep(50);
            }
        }
        Map<String, String> inOrder = new LinkedHashMap<>();
        ids.forEach(id -> inOrder.put(id, outcome.get(id)));
        return inOrder;
    }

    /** A request's row, through the host's connection while it lasts, then through a new reader; empty when neither answers now. */
    private static Optional<TaskRequestRow> read(TaskRequestDao viaHost, JournalAccess access, long requestId) {
        try {
            return viaHost.byId(requestId);
        } catch (JdbiException hostGone) {
            try (Connection c = access.reader()) {
                return Jdbi.create(c).installPlugin(new SqlObjectPlugin()).onDemand(TaskRequestDao.class).byId(requestId);
            } catch (SQLException | JdbiException notYet) {
                return Optional.empty(); // the host is still letting go of the journal
            }
        }
    }

    /** No host: become one for a moment, recover what runs, terminate the given tasks, and leave everything else as it was. */
    private Map<String, String> killHere() throws InterruptedException {
        Map<String, String> outcome = new LinkedHashMap<>();
        try (MultiprocessDistributor d = common.host(null, b -> b)) {
            d.engine().recover();
            for (String id : ids) {
                outcome.put(id, d.getSubmittedOrRunning(List.of(id)).isEmpty() ? "not queued or running" : "terminated");
            }
            List<String> active = outcome.entrySet().stream().filter(e -> e.getValue().equals("terminated")).map(Map.Entry::getKey).toList();
            if (!active.isEmpty()) {
                d.terminateTaskInstances(active);
                long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
                while (!d.getSubmittedOrRunning(active).isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            }
            d.engine().detach();
        }
        return outcome;
    }
}
