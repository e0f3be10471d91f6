package dev.multiproc.journal;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindList;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.customizer.Define;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Runs of the command line. */
public interface RunDao {

    @RegisterConstructorMapper(RunRow.class)
    @SqlQuery("SELECT run_id, name, source, content_sha256, command_count, created_ms FROM run r WHERE name = :name AND <own>")
    Optional<RunRow> byName(@Bind("name") String name, @Define("own") String ownRuns);

    @SqlQuery("SELECT COALESCE(MAX(run_id), 0) + 1 FROM run")
    long nextRunId();

    @SqlUpdate("INSERT INTO run (run_id, name, source, content_sha256, command_count, created_ms, host) "
            + "VALUES (:runId, :name, :source, :contentSha256, :commandCount, :createdMs, :host)")
    void insert(@BindMethods RunRow run, @Bind("host") String host);

    /** The latest task of each command of a run, by line. */
    @RegisterConstructorMapper(RunLineRow.class)
    @SqlQuery("SELECT j.line_no, t.task_id, t.state, t.end_cause FROM job j JOIN task t ON t.job_id = j.job_id WHERE j.run_id = :runId "
            + "AND j.job_id = (SELECT MAX(j2.job_id) FROM job j2 WHERE j2.run_id = j.run_id AND j2.line_no = j.line_no) "
            + "ORDER BY j.line_no")
    List<RunLineRow> latestByLine(@Bind("runId") long runId);

    @SqlQuery("SELECT command_count FROM run WHERE run_id = :runId")
    long commandCount(@Bind("runId") long runId);

    /** The failed commands of a run (their latest task ended badly, not interrupted), in line order. */
    @RegisterConstructorMapper(RunSummary.Failure.class)
    @SqlQuery("SELECT j.line_no, t.task_id, t.state, t.message FROM job j JOIN task t ON t.job_id = j.job_id "
            + "WHERE j.run_id = :runId AND (t.state IN ('FAILED', 'LOST', 'ERROR') OR (t.state = 'TERMINATED' AND t.end_cause <> 'stopped')) "
            + "AND j.job_id = (SELECT MAX(j2.job_id) FROM job j2 WHERE j2.run_id = j.run_id AND j2.line_no = j.line_no) "
            + "ORDER BY j.line_no LIMIT :limit")
    List<RunSummary.Failure> failures(@Bind("runId") long runId, @Bind("limit") int limit);

    /** Where the output of these tasks went. */
    @RegisterConstructorMapper(TaskLogRow.class)
    @SqlQuery("SELECT t.task_id, j.name, j.line_no, j.stdout_path, j.stderr_path FROM task t JOIN job j ON j.job_id = t.job_id "
            + "WHERE t.task_id IN (<taskIds>)")
    List<TaskLogRow> logs(@BindList("taskIds") List<String> taskIds);
}
