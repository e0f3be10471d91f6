package dev.multiproc.journal;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlBatch;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** The protocol's size-limited exit information. */
public interface ExitInfoDao {

    @SqlBatch("MERGE INTO exit_info (task_id, status_code, message, recorded_ms) KEY (task_id) "
            + "VALUES (:taskId, :statusCode, :message, :recordedMs)")
    void insert(@BindMethods List<ExitInfoRow> rows);

    /** Keeps the newest {@code limit} entries; the oldest go first. */
    @SqlUpdate("DELETE FROM exit_info WHERE seq < (SELECT MIN(seq) FROM "
            + "(SELECT seq FROM exit_info ORDER BY seq DESC FETCH FIRST :limit ROWS ONLY))")
    int prune(@Bind("limit") int limit);

    @RegisterConstructorMapper(ExitInfoRow.class)
    @SqlQuery("SELECT task_id, status_code, message, recorded_ms FROM exit_info WHERE task_id = :taskId")
    Optional<ExitInfoRow> find(@Bind("taskId") String taskId);
}
