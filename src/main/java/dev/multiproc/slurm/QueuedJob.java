package dev.multiproc.slurm;

import java.time.Duration;
import java.util.Collection;
import java.util.Set;

/**
 * A job as the controller shows it ({@code squeue --states=all}): pending, running, or finished less than
 * {@code MinJobAge} ago.
 *
 * @param id          {@code "17"} for a job, {@code "18_3"} for task 3 of array job 18
 * @param jobId       the task's own numeric job id (the last task of an array keeps the array's)
 * @param arrayJobId  the array's job id; null for a job that is no array task
 * @param arrayTaskId the task's index; null for a job that is no array task
 * @param stateText   the state as squeue printed it
 * @param reason      why it is pending (or how it ended): {@code Priority}, {@code BadConstraints},
 *                    {@code TimeLimit}...; "" for none
 * @param exitStatus  the wait status once finished: exit code times 256 plus the signal number
 */
public record QueuedJob(String id, long jobId, Long arrayJobId, Integer arrayTaskId, JobState state, String stateText,
        String reason, int exitStatus, Duration timeLimit, Duration timeUsed, String name, String comment) {

    /**
     * Pending reasons that clear only when an administrator changes the cluster or the job: a job that shows one
     * of them will not start on its own.
     */
    public static final Set<String> PENDING_FOREVER = Set.of("BadConstraints", "PartitionConfig", "PartitionNodeLimit",
            "PartitionTimeLimit", "ReqNodeNotAvail", "JobLaunchFailure", "InvalidAccount", "InvalidQOS",
            "DependencyNeverSatisfied", "launch failed requeued held", "AssocMaxWallDurationPerJobLimit",
            "QOSMaxWallDurationPerJobLimit", "AccountNotAllowed", "QOSNotAllowed");

    /** True while it is pending for a reason that will not clear by itself ({@link #PENDING_FOREVER}). */
    public boolean isPendingForever() {
        if (state != JobState.PENDING) {
            return false;
        }
        // "ReqNodeNotAvail, UnavailableNodes:n1" names the nodes after the reason
        int cut = reason.indexOf(',');
        return PENDING_FOREVER.contains((cut < 0 ? reason : reason.substring(0, cut)).trim());
    }

    /** The exit code, once finished (0 for a job ended by a signal). */
    public int exitCode() {
        return (exitStatus >> 8) & 0xff;
    }

    /** The signal that ended it, or 0. */
    public int signal() {
        return exitStatus & 0x7f;
    }

    /** True when {@code ids} names this job, by its own id, its numeric id or its array's id. */
    boolean isNamedIn(Collection<String> ids) {
        return ids.contains(id) || ids.contains(Long.toString(jobId)) || arrayJobId != null && ids.contains(arrayJobId.toString());
    }
}
