package dev.multiproc.journal;

import java.util.List;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.Define;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Arrays whose step rows are still being written ({@link ArrayFill}). */
public interface ArrayFillDao {

    /** An array with steps from {@code nextStep} to {@code arrayLength - 1} not written yet. */
    record Open(long jobId, int nextStep, int arrayLength) {
    }

    @SqlUpdate("INSERT INTO array_fill (job_id, next_step) VALUES (:job, :next)")
    void insert(@Bind("job") long jobId, @Bind("next") int nextStep);

    @SqlUpdate("UPDATE array_fill SET next_step = :next WHERE job_id = :job")
    void update(@Bind("job") long jobId, @Bind("next") int nextStep);

    /** The first step of {@code job} without a row, its row locked until the commit; empty when every step has one. */
    @SqlQuery("SELECT next_step FROM array_fill WHERE job_id = :job FOR UPDATE")
    java.util.Optional<Integer> nextStep(@Bind("job") long jobId);

    @SqlUpdate("DELETE FROM array_fill WHERE job_id = :job")
    void delete(@Bind("job") long jobId);

    @RegisterConstructorMapper(Open.class)
    @SqlQuery("SELECT f.job_id, f.next_step, j.array_length FROM array_fill f JOIN job j ON j.job_id = f.job_id WHERE <own> ORDER BY f.job_id")
    List<Open> open(@Define("own") String ownJobs);
}
