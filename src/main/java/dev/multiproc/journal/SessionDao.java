package dev.multiproc.journal;

import java.util.Optional;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.customizer.Define;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Host sessions: who held the journal, whether they ended cleanly, and what their recovery found. */
public interface SessionDao {

    @SqlQuery("SELECT COALESCE(MAX(session_id), 0) FROM host_session")
    int lastSessionId();

    /** Whether the last session ended cleanly; empty when there was none. */
    @SqlQuery("SELECT ended_ms IS NOT NULL FROM host_session WHERE session_id = (SELECT MAX(session_id) FROM host_session s WHERE <own>)")
    Optional<Boolean> lastEndedCleanly(@Define("own") String ownSessions);

    @SqlUpdate("INSERT INTO host_session (session_id, started_ms, host_pid, host_name, cluster_name, parallelism, orphan_policy, "
            + "backend, previous_clean, host) VALUES (:sessionId, :startedMs, :hostPid, :hostName, :clusterName, :parallelism, :orphanPolicy, "
            + ":backend, :previousClean, :host)")
    void insert(@BindMethods SessionRow row);

    @SqlUpdate("UPDATE host_session SET recovery_ms = :recoveryMs, reattached = :reattached, finished_while_down = :finishedWhileDown, "
            + "lost = :lost, requeued = :requeued, killed = :killed WHERE session_id = :sessionId")
    void recordRecovery(@Bind("sessionId") int sessionId, @BindMethods RecoveryCounts counts);

    @SqlUpdate("INSERT INTO journal_repair (repaired_ms, session_id, kind, found_generation, committed_generation, result_generation, "
            + "evidence, details) VALUES (:repairedMs, :sessionId, :r.kind, :r.foundGeneration, :r.committedGeneration, "
            + ":r.resultGeneration, :evidence, :r.details)")
    void recordRepair(@Bind("sessionId") int sessionId, @Bind("repairedMs") long repairedMs, @BindMethods("r") RepairReport report,
            @Bind("evidence") String evidence);

    @SqlUpdate("UPDATE host_session SET ended_ms = :endedMs WHERE session_id = :sessionId")
    void end(@Bind("sessionId") int sessionId, @Bind("endedMs") long endedMs);
}
