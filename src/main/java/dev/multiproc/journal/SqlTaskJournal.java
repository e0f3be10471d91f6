package dev.multiproc.journal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The task journal in a SQL database through Jdbi: the same statements on the embedded H2 file
 * ({@link H2TaskJournal}) and on a PostgreSQL server ({@link PostgresTaskJournal}). Reads go through the
 * pool; every write through the one {@link JournalWriter}, which commits in groups.
 */
public abstract class SqlTaskJournal implements TaskJournal {
    private static final int PRUNE_CHUNK = 10_000;
    private static final int LOG_CHUNK = 1_000;

    private final JournalStore db;
    private final JournalWriter writer;
    private final String host;
    private final HostScope scope;

    /** The journal of the host named {@code host}, whose own rows {@code scope} selects. */
    SqlTaskJournal(JournalStore db, int exitInfoSizeLimit, String host, HostScope scope) {
        this.db = db;
        this.host = host;
        this.scope = scope;
        this.writer = new JournalWriter(db, exitInfoSizeLimit, db.jdbi().withExtension(MetaDao.class, m -> m.get(JournalMeta.NEXT_JOB_ID)),
                host, scope);
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public JobIdBlock reserveJobIds(int wanted) {
        return db.jdbi().withHandle(h -> db.reserveJobIds(h, wanted));
    }

    /** The database behind the journal: for tools and tests that look inside with SQL. */
    public JournalStore store() {
        return db;
    }

    @Override
    public long nextJobId() {
        return db.jdbi().withExtension(MetaDao.class, m -> m.get(JournalMeta.NEXT_JOB_ID));
    }

    @Override
    public int openSession(SessionRow session) {
        int id = openSessionRow(session);
        db.sessionOpened(id);
        return id;
    }

    private int openSessionRow(SessionRow session) {
        return durably(h -> {
            db.lockNumbering(h);
            SessionDao dao = h.attach(SessionDao.class);
            int id = dao.lastSessionId() + 1;
            dao.insert(session.withId(id, dao.lastEndedCleanly(scope.rows("s")).orElse(null)).withHost(host));
            db.repairAtOpen().ifPresent(r -> dao.recordRepair(id, System.currentTimeMillis(), r, r.evidence().toString()));
            return id;
        });
    }

    @Override
    public void recordRecovery(int sessionId, RecoveryCounts counts) {
        durably(h -> {
            h.attach(SessionDao.class).recordRecovery(sessionId, counts);
            h.attach(MetaDao.class).remove(JournalMeta.UNCERTAIN_BELOW_JOB);
            return null;
        });
    }

    @Override
    public void endSession(int sessionId, long endedMs) {
        durably(h -> {
            h.attach(SessionDao.class).end(sessionId, endedMs);
            return null;
        });
    }

    @Override
    public Optional<RepairReport> repairAtOpen() {
        return db.repairAtOpen();
    }

    @Override
    public CompletableFuture<Void> submit(List<JobRow> jobs) {
        return jobs.size() == 1 ? writer.submit(jobs.get(0)) : writer.submitAll(jobs);
    }

    @Override
    public void started(TaskStartRow start) {
        writer.started(start);
    }

    @Override
    public CompletableFuture<Void> slurmSubmitted(Map<String, String> slurmJobIdByTaskId) {
        if (slurmJobIdByTaskId.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<String> taskIds = List.copyOf(slurmJobIdByTaskId.keySet());
        List<String> slurmIds = taskIds.stream().map(slurmJobIdByTaskId::get).toList();
        return writer.call(h -> {
            h.attach(TaskDao.class).recordSlurmJobIds(taskIds, slurmIds);
            return null;
        });
    }

    @Override
    public List<String> slurmTasksUnfinishedBefore(int sessionId) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT t.task_id FROM task t JOIN job j ON j.job_id = t.job_id "
                + "JOIN host_session s ON s.session_id = j.session_id WHERE t.state IN ('QUEUED', 'RUNNING') AND j.session_id <> :session "
                + "AND (t.slurm_job_id IS NOT NULL OR s.backend = 'slurm') AND " + scope.jobs("j") + " ORDER BY t.job_id, t.step")
                .bind("session", sessionId).mapTo(String.class).list());
    }

    @Override
    public Map<String, String> slurmJobIdsOfUnfinishedBefore(int sessionId) {
        Map<String, String> ids = new LinkedHashMap<>();
        db.jdbi().useHandle(h -> h.createQuery("SELECT t.task_id, t.slurm_job_id FROM task t JOIN job j ON j.job_id = t.job_id "
                + "WHERE t.state IN ('QUEUED', 'RUNNING') AND j.session_id <> :session AND t.slurm_job_id IS NOT NULL AND " + scope.jobs("j"))
                .bind("session", sessionId).map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2)))
                .forEach(e -> ids.put(e.getKey(), e.getValue())));
        return ids;
    }

    @Override
    public void ended(TaskEndRow end, ExitInfoRow exitInfo, Runnable afterDurable) {
        writer.ended(end, exitInfo, afterDurable);
    }

    @Override
    public void queueingError(TaskEndRow end, QueueingErrorRow error, Runnable afterDurable) {
        writer.queueingError(end, error, afterDurable);
    }

    @Override
    public CompletableFuture<Void> popQueueingErrors(List<String> taskIds) {
        return writer.call(h -> {
            h.attach(QueueingErrorDao.class).delete(taskIds);
            return null;
        });
    }

    @Override
    public Map<String, String> unpoppedQueueingErrors() {
        Map<String, String> unpopped = new LinkedHashMap<>();
        for (QueueingErrorRow e : db.jdbi().withExtension(QueueingErrorDao.class, d -> d.all(scope.tasks("task_id")))) {
            unpopped.put(e.taskId(), e.message());
        }
        return unpopped;
    }

    @Override
    public void flush() {
        writer.flush();
    }

    @Override
    public List<UnfinishedTaskRow> unfinishedBefore(int sessionId) {
        return db.jdbi().withExtension(TaskDao.class, d -> d.unfinishedBefore(sessionId, scope.jobs("j")));
    }

    @Override
    public Optional<List<String>> idsOfRequest(String requestKey) {
        return db.jdbi().withExtension(TaskDao.class, d -> d.jobOfRequest(requestKey).map(job -> {
            Integer length = d.arrayLength(job).orElse(null);
            if (length == null) {
                return List.of(Long.toString(job));
            }
            List<String> ids = new java.util.ArrayList<>(length);
            for (int step = 0; step < length; step++) {
                ids.add(job + "_" + step);
            }
            return ids;
        }));
    }

    @Override
    public List<String> activeTasksOfClient(String clientId) {
        writer.flush(); // every step of the client's arrays has its row
        return db.jdbi().withExtension(TaskDao.class, d -> d.activeTasksOfClient(clientId, scope.jobs("j")));
    }

    @Override
    public List<JobRow> jobsWithUnfinishedTasksBefore(int sessionId) {
        return db.jdbi().withExtension(TaskDao.class, d -> d.jobsWithUnfinishedTasksBefore(sessionId, scope.jobs("j")));
    }

    @Override
    public OptionalLong uncertainBelowJob() {
        Optional<Long> below = db.jdbi().withExtension(MetaDao.class, m -> m.find(JournalMeta.UNCERTAIN_BELOW_JOB));
        return below.map(OptionalLong::of).orElse(OptionalLong.empty());
    }

    @Override
    public Optional<ExitInfoRow> exitInfo(String taskId) {
        return db.jdbi().withExtension(ExitInfoDao.class, d -> d.find(taskId));
    }

    @Override
    public Optional<TaskOutcomeRow> outcome(String taskId) {
        return db.jdbi().withExtension(TaskDao.class, d -> d.outcome(taskId));
    }

    @Override
    public Optional<RunRow> run(String name) {
        return db.jdbi().withExtension(RunDao.class, d -> d.byName(name, scope.rows("r")));
    }

    @Override
    public long createRun(String name, String source, String contentSha256, int commandCount, long createdMs) {
        return durably(h -> {
            db.lockNumbering(h);
            RunDao runs = h.attach(RunDao.class);
            long id = runs.nextRunId();
            runs.insert(new RunRow(id, name, source, contentSha256, commandCount, createdMs), host);
            return id;
        });
    }

    @Override
    public List<RunLineRow> latestRunLines(long runId) {
        return db.jdbi().withExtension(RunDao.class, d -> d.latestByLine(runId));
    }

    @Override
    public RunSummary runSummary(long runId, int failuresShown) {
        long done = 0;
        long failed = 0;
        for (RunLineRow line : latestRunLines(runId)) {
            switch (line.state()) {
                case "DONE" -> done++;
                case "FAILED", "LOST", "ERROR" -> failed++;
                case "TERMINATED" -> failed += "stopped".equals(line.endCause()) ? 0 : 1;
                default -> {
                    // queued or running
                }
            }
        }
        long commands = db.jdbi().withExtension(RunDao.class, d -> d.commandCount(runId));
        return new RunSummary(commands, done, failed, db.jdbi().withExtension(RunDao.class, d -> d.failures(runId, failuresShown)));
    }

    @Override
    public List<TaskLogRow> taskLogs(List<String> taskIds) {
        List<TaskLogRow> rows = new ArrayList<>(taskIds.size());
        for (int i = 0; i < taskIds.size(); i += LOG_CHUNK) {
            List<String> chunk = taskIds.subList(i, Math.min(taskIds.size(), i + LOG_CHUNK));
            rows.addAll(db.jdbi().withExtension(RunDao.class, d -> d.logs(chunk)));
        }
        return rows;
    }

    @Override
    public List<TaskRequestRow> openRequests() {
        return db.jdbi().withExtension(TaskRequestDao.class, d -> d.open(scope.tasks("task_id")));
    }

    @Override
    public void requestHandled(long requestId, long handledMs, String outcome) {
        durably(h -> {
            h.attach(TaskRequestDao.class).handled(requestId, handledMs, outcome);
            return null;
        });
    }

    @Override
    public long pruneSubmittedBefore(long cutoffMs) {
        long total = inChunks(() -> durably(h -> h.attach(HistoryDao.class).pruneSubmittedBefore(cutoffMs, PRUNE_CHUNK, scope.jobs("j"))));
        return afterPruning(total);
    }

    @Override
    public long pruneBeyond(long keep) {
        Optional<Long> beyond = db.jdbi().withExtension(HistoryDao.class, d -> d.jobBeyond(keep, scope.andOwnJob("job_id")));
        if (beyond.isEmpty()) {
            return 0;
        }
        long job = beyond.get();
        return afterPruning(inChunks(() -> durably(h -> h.attach(HistoryDao.class).pruneJobsBefore(job, PRUNE_CHUNK, scope.andOwnJob("job_id")))));
    }

    /**
     * This host's jobs left without tasks, and queueing errors of tasks that are gone, go too; never those of its active
     * tasks' jobs (another host's active tasks do not hold this host's pruning back).
     */
    private long afterPruning(long pruned) {
        if (pruned > 0) {
            long below = db.jdbi().withHandle(h -> h.createQuery("SELECT COALESCE(MIN(job_id), 0) FROM task "
                    + "WHERE state IN ('QUEUED', 'RUNNING')" + scope.andOwnJob("job_id")).mapTo(Long.class).one());
            long limit = below == 0 ? Long.MAX_VALUE : below;
            durably(h -> {
                HistoryDao dao = h.attach(HistoryDao.class);
                dao.pruneEmptyJobs(limit, scope.jobs("j"));
                dao.pruneOrphanErrors();
                dao.pruneOrphanEnvironments();
                return null;
            });
        }
        return pruned;
    }

    private static long inChunks(java.util.function.IntSupplier chunk) {
        long total = 0;
        int n;
        do {
            n = chunk.getAsInt();
            total += n;
        } while (n >= PRUNE_CHUNK);
        return total;
    }

    /** Runs {@code work} in the writer's next commit and waits until it is durable; its failure is a {@link JournalException}. */
    private <T> T durably(org.jdbi.v3.core.HandleCallback<T, Exception> work) {
        try {
            return writer.call(work).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof JournalException je) {
                throw je;
            }
            throw new JournalException("journal write failed: " + e.getCause(), e.getCause());
        }
    }

    @Override
    public void close() {
        writer.close();
        db.close();
    }
}
