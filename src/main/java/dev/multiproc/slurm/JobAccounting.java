package dev.multiproc.slurm;

import java.time.Duration;

/**
 * How a job went, from the accounting database ({@code sacct}) or, while the database has not caught up, from the
 * controller ({@code squeue --states=all}, which keeps a finished job for {@code MinJobAge}).
 *
 * @param id                   {@code "17"} or {@code "18_3"}
 * @param jobId                the numeric job id; -1 when sacct printed none
 * @param exitCode             the exit code of the job's script (0 when a signal ended it)
 * @param signal               the signal that ended it, or 0; Slurm writes 125 here for {@code OUT_OF_MEMORY}
 * @param reason               the last pending reason or how it ended; "" for none
 * @param maxRssBytes          the largest resident set of any of its steps; -1 when unknown
 * @param requestedMemoryBytes its memory limit ({@code ReqMem}); -1 when unknown
 * @param timeLimit            null when unlimited or unknown
 * @param elapsed              null when unknown
 * @param source               where this came from
 */
public record JobAccounting(String id, long jobId, JobState state, String stateText, int exitCode, int signal,
        String reason, long maxRssBytes, long requestedMemoryBytes, Duration timeLimit, Duration elapsed, String name,
        String comment, Source source) {

    /** Where the record came from. */
    public enum Source {
        /** sacct: the accounting database. */
        ACCOUNTING,
        /** squeue: the controller, which has not purged the job yet. */
        CONTROLLER
    }

    static JobAccounting of(QueuedJob q) {
        return new JobAccounting(q.id(), q.jobId(), q.state(), q.stateText(), q.exitCode(), q.signal(), q.reason(), -1, -1,
                q.timeLimit(), q.timeUsed(), q.name(), q.comment(), Source.CONTROLLER);
    }

    /** The same record for step {@code stepId} of the array it stands for (steps that never started share one). */
    JobAccounting forStep(String stepId) {
        return new JobAccounting(stepId, jobId, state, stateText, exitCode, signal, reason, maxRssBytes, requestedMemoryBytes, timeLimit,
                elapsed, name, comment, source);
    }

    /** The same record with the exit code and signal the controller reported. */
    JobAccounting withExit(int code, int sig) {
        return new JobAccounting(id, jobId, state, stateText, code, sig, reason, maxRssBytes, requestedMemoryBytes, timeLimit, elapsed,
                name, comment, source);
    }
}
