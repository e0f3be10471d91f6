package dev.multiproc.journal;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.customizer.Define;
import org.jdbi.v3.sqlobject.statement.SqlBatch;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** The protocol's size-limited exit information. */
public interface ExitInfoDao {

    @SqlBatch("MERGE INTO exit_info (seq, task_id, status_code, message, recorded_ms, host) KEY (task_id) "
            + "VALUES (:seq, :taskId, :statusCode, :message, :recordedMs, :host)")
    void insert(@BindMethods List<ExitInfoRow> rows, @Bind("host") String host);

    /** Keeps the newest entries: those after {@code cutoff}, the last seq minus the size limit. The oldest go first. */
    @SqlUpdate("DELETE FROM exit_info WHERE <own> AND seq <= :cutoff")
    int prune(@Bind("cutoff") long cutoff, @Define("own") String ownRows);

    @SqlQuery("SELECT COALESCE(MAX(seq), 0) FROM exit_info WHERE <own>")
    long lastSeq(@Define("own") String ownRows);

    @RegisterConstructorMapper(ExitInfoRow.class)
    @SqlQuery("SELECT seq, task_id, status_code, message, recorded_ms FROM exit_info WHERE task_id = :taskId")
    Optional<ExitInfoRow> find(@Bind("taskId") String taskId);
}
