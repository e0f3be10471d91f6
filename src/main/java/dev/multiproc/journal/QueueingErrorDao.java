package dev.multiproc.journal;

import java.util.List;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.BindList;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.customizer.Define;
import org.jdbi.v3.sqlobject.statement.SqlBatch;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Errors that kept tasks from starting, kept until popped. */
public interface QueueingErrorDao {

    @SqlBatch("MERGE INTO queueing_error (task_id, message, recorded_ms) KEY (task_id) VALUES (:taskId, :message, :recordedMs)")
    void insert(@BindMethods List<QueueingErrorRow> rows);

    @SqlUpdate("DELETE FROM queueing_error WHERE task_id IN (<taskIds>)")
    int delete(@BindList("taskIds") List<String> taskIds);

    @RegisterConstructorMapper(QueueingErrorRow.class)
    /** The unpopped errors of the tasks {@code ownTasks} selects (a condition on {@code task_id}). */
    @SqlQuery("SELECT task_id, message, recorded_ms FROM queueing_error WHERE <own> ORDER BY recorded_ms")
    List<QueueingErrorRow> all(@Define("own") String ownTasks);
}
