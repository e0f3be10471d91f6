package dev.multiproc.journal;

import java.util.Optional;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.Define;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** History retention: finished tasks go when they are old enough, or when there are too many; the rest stays. */
public interface HistoryDao {

    /** Finished tasks of jobs submitted before {@code cutoffMs}, at most {@code chunk} of them. */
    @SqlUpdate("DELETE FROM task WHERE state IN ('DONE', 'FAILED', 'TERMINATED', 'LOST', 'ERROR') AND job_id IN "
            + "(SELECT job_id FROM job j WHERE submitted_ms < :cutoff AND <own> ORDER BY submitted_ms FETCH FIRST :chunk ROWS ONLY)")
    int pruneSubmittedBefore(@Bind("cutoff") long cutoffMs, @Bind("chunk") int chunk, @Define("own") String ownJobs);

    /** The job id below which tasks are beyond the newest {@code keep}; empty when there are not that many. */
    @SqlQuery("SELECT job_id FROM task WHERE 1 = 1<andOwn> ORDER BY job_id DESC, step DESC OFFSET :keep ROWS FETCH NEXT 1 ROW ONLY")
    Optional<Long> jobBeyond(@Bind("keep") long keep, @Define("andOwn") String andOwnJob);

    /** Finished tasks of jobs before {@code jobId}, at most {@code chunk} of them. */
    @SqlUpdate("DELETE FROM task WHERE job_id < :job AND state IN ('DONE', 'FAILED', 'TERMINATED', 'LOST', 'ERROR')<andOwn> "
            + "FETCH FIRST :chunk ROWS ONLY")
    int pruneJobsBefore(@Bind("job") long jobId, @Bind("chunk") int chunk, @Define("andOwn") String andOwnJob);

    /** Jobs none of whose tasks is left, and the queueing errors nobody popped of tasks that are gone. */
    @SqlUpdate("DELETE FROM job j WHERE NOT EXISTS (SELECT 1 FROM task t WHERE t.job_id = j.job_id) AND j.job_id < :below AND <own>")
    int pruneEmptyJobs(@Bind("below") long belowJobId, @Define("own") String ownJobs);

    @SqlUpdate("DELETE FROM job_environment e WHERE NOT EXISTS (SELECT 1 FROM job j WHERE j.job_id = e.job_id)")
    int pruneOrphanEnvironments();

    @SqlUpdate("DELETE FROM queueing_error q WHERE NOT EXISTS (SELECT 1 FROM task t WHERE t.task_id = q.task_id)")
    int pruneOrphanErrors();
}
