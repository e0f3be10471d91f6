package dev.multiproc.journal;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.Define;
import org.jdbi.v3.sqlobject.statement.GetGeneratedKeys;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Requests other processes leave for the host (only kind: terminate). */
public interface TaskRequestDao {

    @SqlUpdate("INSERT INTO task_request (task_id, kind, requested_ms, requested_by) VALUES (:taskId, :kind, :requestedMs, :by)")
    @GetGeneratedKeys("request_id")
    long insert(@Bind("taskId") String taskId, @Bind("kind") String kind, @Bind("requestedMs") long requestedMs, @Bind("by") String by);

    @RegisterConstructorMapper(TaskRequestRow.class)
    @SqlQuery("SELECT request_id, task_id, kind, requested_ms, requested_by, handled_ms, outcome FROM task_request "
            + "WHERE handled_ms IS NULL AND <own> ORDER BY request_id")
    List<TaskRequestRow> open(@Define("own") String ownTasks);

    @RegisterConstructorMapper(TaskRequestRow.class)
    @SqlQuery("SELECT request_id, task_id, kind, requested_ms, requested_by, handled_ms, outcome FROM task_request "
            + "WHERE request_id = :id")
    Optional<TaskRequestRow> byId(@Bind("id") long id);

    @SqlUpdate("UPDATE task_request SET handled_ms = :handledMs, outcome = :outcome WHERE request_id = :id")
    void handled(@Bind("id") long id, @Bind("handledMs") long handledMs, @Bind("outcome") String outcome);
}
