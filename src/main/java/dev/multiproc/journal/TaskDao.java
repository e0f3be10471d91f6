package dev.multiproc.journal;

import java.util.List;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.customizer.Define;
import org.jdbi.v3.sqlobject.statement.SqlBatch;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Jobs and tasks: submissions, starts and ends. */
public interface TaskDao {

    @SqlBatch("INSERT INTO job (job_id, name, command, resources, cores, memory_bytes, runtime_s, stdout_path, stderr_path, "
            + "array_length, submitted_ms, session_id, run_id, line_no, client_id, request_key) VALUES (:jobId, :name, :command, "
            + ":resources, :cores, :memoryBytes, :runtimeS, :stdoutPath, :stderrPath, :arrayLength, :submittedMs, :sessionId, :runId, "
            + ":lineNo, :clientId, :requestKey)")
    void insertJobs(@BindMethods List<JobRow> jobs);

    @SqlBatch("INSERT INTO job_environment (job_id, environment) VALUES (:jobId, :environment)")
    void insertEnvironments(@BindMethods List<JobRow> jobs);

    /** The job a client's submit call with this key made, if any. */
    @SqlQuery("SELECT job_id FROM job WHERE request_key = :key")
    java.util.Optional<Long> jobOfRequest(@Bind("key") String requestKey);

    @SqlQuery("SELECT array_length FROM job WHERE job_id = :job")
    java.util.Optional<Integer> arrayLength(@Bind("job") long jobId);

    /** The queued or running tasks of the jobs a client submitted. */
    @SqlQuery("SELECT t.task_id FROM task t JOIN job j ON j.job_id = t.job_id WHERE j.client_id = :client "
            + "AND t.state IN ('QUEUED', 'RUNNING') AND <own> ORDER BY t.job_id, t.step")
    List<String> activeTasksOfClient(@Bind("client") String clientId, @Define("own") String ownJobs);

    @SqlBatch("INSERT INTO task (task_id, job_id, step, state) VALUES (CAST(:jobId AS VARCHAR), :jobId, NULL, 'QUEUED')")
    void insertSingleTasks(@Bind("jobId") List<Long> jobIds);

    /**
     * Steps {@code from} to {@code to - 1} of an array in one statement: the rows are generated inside the database. They
     * start where the array's {@code array_fill} row says, when it has one, which is {@code from} as the writer runs it;
     * a redo record replayed by a lenient repair onto a file that lost the records before it ({@code RedoReplay}) then
     * writes the steps those records wrote too, instead of leaving them without a row that nothing would ever write.
     */
    @SqlUpdate("INSERT INTO task (task_id, job_id, step, state) SELECT CONCAT(:jobId, '_', X), :jobId, X, 'QUEUED' "
            + "FROM SYSTEM_RANGE(COALESCE((SELECT f.next_step FROM array_fill f WHERE f.job_id = :jobId), :from), :to - 1)")
    void insertArraySteps(@Bind("jobId") long jobId, @Bind("from") int from, @Bind("to") int to);

    @SqlBatch("UPDATE task SET state = 'RUNNING', attempt = :attempt, pid = :pid, pid_start_ticks = :pidStartTicks, pid_started_ms = :pidStartedMs, "
            + "started_ms = :startedMs, session_id = :sessionId WHERE task_id = :taskId AND state IN ('QUEUED', 'RUNNING')")
    void markStarted(@BindMethods List<TaskStartRow> rows);

    @SqlBatch("UPDATE task SET slurm_job_id = :slurmJobId WHERE task_id = :taskId")
    void recordSlurmJobIds(@Bind("taskId") List<String> taskIds, @Bind("slurmJobId") List<String> slurmJobIds);

    @SqlBatch("UPDATE task SET state = :state, attempt = COALESCE(:attempt, attempt), pid = COALESCE(:pid, pid), pid_start_ticks = COALESCE(:pidStartTicks, pid_start_ticks), "
            + "pid_started_ms = COALESCE(:pidStartedMs, pid_started_ms), started_ms = COALESCE(:startedMs, started_ms), "
            + "ended_ms = :endedMs, exit_code = :exitCode, signal = :signal, end_cause = :endCause, status_code = :statusCode, "
            + "message = :message, cpu_ms = :cpuMs, peak_rss_kb = :peakRssKb, session_id = :sessionId WHERE task_id = :taskId")
    void markEnded(@BindMethods List<TaskEndRow> rows);

    @RegisterConstructorMapper(UnfinishedTaskRow.class)
    /** Tasks of earlier sessions that the journal does not show as finished, in submission order. */
    @SqlQuery("SELECT t.task_id, t.job_id, t.step, t.state, t.attempt, t.pid, t.pid_start_ticks, t.pid_started_ms, t.started_ms "
            + "FROM task t JOIN job j ON j.job_id = t.job_id WHERE t.state IN ('QUEUED', 'RUNNING') AND j.session_id <> :session "
            + "AND <own> ORDER BY t.job_id, t.step")
    List<UnfinishedTaskRow> unfinishedBefore(@Bind("session") int session, @Define("own") String ownJobs);

    @RegisterConstructorMapper(JobRow.class)
    @SqlQuery("SELECT j.job_id, j.name, j.command, j.resources, j.cores, j.memory_bytes, j.runtime_s, j.stdout_path, j.stderr_path, "
            + "j.array_length, j.submitted_ms, j.session_id, j.run_id, j.line_no, j.client_id, j.request_key, e.environment "
            + "FROM job j LEFT JOIN job_environment e ON e.job_id = j.job_id WHERE j.session_id <> :session AND <own> AND j.job_id IN "
            + "(SELECT DISTINCT job_id FROM task WHERE state IN ('QUEUED', 'RUNNING'))")
    List<JobRow> jobsWithUnfinishedTasksBefore(@Bind("session") int session, @Define("own") String ownJobs);

    @RegisterConstructorMapper(TaskOutcomeRow.class)
    @SqlQuery("SELECT state, status_code, message, end_cause FROM task WHERE task_id = :taskId")
    java.util.Optional<TaskOutcomeRow> outcome(@Bind("taskId") String taskId);
}
