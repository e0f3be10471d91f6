package dev.multiproc.core;

import dev.multiproc.cluster.TaskInstanceStatus;
import dev.multiproc.slurm.JobAccounting;

/**
 * Turns how Slurm says a job ended ({@code sacct}, or {@code squeue} while the controller keeps it) into the
 * {@link Outcome} a local task ending the same way gets: the same states, causes, statuses and messages.
 */
final class SlurmOutcomes {
    private SlurmOutcomes() {
    }

    /** How a finished job ended; {@code reason} is why this host asked it to end, null when it did not. */
    static Outcome of(JobAccounting a, Resources requested, Outcomes.TerminateReason reason, boolean started) {
        Long peakKb = a.maxRssBytes() >= 0 ? Long.valueOf(a.maxRssBytes() / 1024) : null;
        Integer signal = a.signal() == 0 ? null : a.signal();
        String slurm = " (Slurm job " + a.id() + ": " + a.stateText() + ")";
        switch (a.state()) {
            case OUT_OF_MEMORY -> {
                long limit = requested.memoryBytes() != null ? requested.memoryBytes() : a.requestedMemoryBytes();
                return new Outcome(TaskState.FAILED, EndCause.MEMORY, TaskInstanceStatus.RESOURCE_ERROR,
                        "memory limit of " + (limit > 0 ? Outcomes.kib(limit / 1024) : "the job") + " exceeded"
                                + (peakKb != null && peakKb > 0 ? ": the job's processes reached " + Outcomes.kib(peakKb) : "")
                                + "; the job was killed" + slurm, a.exitCode(), signal, null, peakKb);
            }
            case TIMEOUT -> {
                String limit = runtimeLimit(a, requested);
                return new Outcome(TaskState.FAILED, EndCause.RUNTIME, TaskInstanceStatus.RESOURCE_ERROR,
                        "runtime limit of " + limit + " exceeded" + (a.elapsed() != null ? " after running " + a.elapsed().toSeconds() + "s" : "")
                                + "; the job was killed" + slurm, a.exitCode(), signal, null, peakKb);
            }
            case CANCELLED -> {
                if (reason != null) {
                    String text = started ? reason.text + slurm : reason.text + " before it started" + slurm;
                    return new Outcome(TaskState.TERMINATED, reason.endCause, TaskInstanceStatus.UNKNOWN_ERROR, text, null, signal, null,
                            peakKb);
                }
                return new Outcome(TaskState.TERMINATED, EndCause.TERMINATED, TaskInstanceStatus.UNKNOWN_ERROR,
                        "terminated by a request this host did not make (scancel)" + slurm, null, signal, null, peakKb);
            }
            case NODE_FAIL, BOOT_FAIL -> {
                return Outcomes.lost("its node failed" + slurm);
            }
            case COMPLETED, FAILED -> {
                if (reason != null) {
                    return new Outcome(TaskState.TERMINATED, reason.endCause, TaskInstanceStatus.UNKNOWN_ERROR,
                            reason.text + "; " + exitText(a), a.exitCode(), signal, null, peakKb);
                }
                return new Outcome(a.exitCode() == 0 && signal == null ? TaskState.DONE : TaskState.FAILED,
                        signal != null ? EndCause.SIGNAL : EndCause.EXIT, TaskInstanceStatus.UNKNOWN_ERROR, exitText(a), a.exitCode(),
                        signal, null, peakKb);
            }
            default -> {
                // PREEMPTED, DEADLINE, REVOKED, SPECIAL_EXIT...: ended by Slurm, for no reason of its command's
                return Outcomes.lost("Slurm ended it" + slurm + (a.reason().isEmpty() ? "" : ", reason " + a.reason()));
            }
        }
    }

    /** A job pending for a reason that cannot clear by itself: a queueing error (the job is cancelled). */
    static Outcome pendingForever(String slurmJobId, String reason) {
        return Outcomes.queueingError("Slurm job " + slurmJobId + " cannot start: it is pending for a reason that does not clear "
                + "by itself (" + reason + "); it was cancelled");
    }

    /** The limit Slurm applied; Slurm counts whole minutes, so it may be more than the task requested. */
    private static String runtimeLimit(JobAccounting a, Resources requested) {
        Long asked = requested.runtimeSeconds();
        if (a.timeLimit() == null) {
            return asked != null ? asked + "s" : "the job";
        }
        long applied = a.timeLimit().toSeconds();
        return asked == null || asked == applied ? applied + "s"
                : applied + "s (" + asked + "s requested; Slurm's limits are whole minutes)";
    }

    private static String exitText(JobAccounting a) {
        if (a.signal() != 0) {
            return "Process exited with code " + a.exitCode() + " (killed by " + Signals.name(a.signal()) + ")";
        }
        if (a.exitCode() == Outcomes.KILL_SELF_EXIT_CODE) {
            return "job was in kill self state";
        }
        return "Process exited with code " + a.exitCode();
    }
}
