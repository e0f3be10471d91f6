package dev.multiproc.core;

import dev.multiproc.state.TaskRecord;
import dev.multiproc.cluster.TaskInstanceStatus;
import java.time.Instant;
import java.util.Locale;

/** Turns what a task's launcher recorded (in an event or the state file), or failed to record, into an {@link Outcome}. */
final class Outcomes {
    static final int KILL_SELF_EXIT_CODE = 199;

    private Outcomes() {
    }

    /** Why the host asked a task to end; null when it did not. */
    enum TerminateReason {
        REQUEST("terminated by request", EndCause.TERMINATED),
        STOP("terminated by stop() of the distributor", EndCause.STOPPED),
        RECOVERY("terminated by recovery: its host had died and orphan_policy is kill", EndCause.RECOVERY_KILL);

        final String text;
        /** The journal's end_cause for tasks ended this way. */
        final EndCause endCause;

        TerminateReason(String text, EndCause endCause) {
            this.text = text;
            this.endCause = endCause;
        }
    }

    static Outcome fromResult(TaskRecord record, TerminateReason reason) {
        TaskRecord.Result r = record.result();
        long t0 = record.t0Ms();
        Long cpu = r.cpuMs();
        Long peak = r.peakKb();
        switch (r.cause()) {
            case SPAWN_ERROR -> {
                return new Outcome(TaskState.ERROR, EndCause.SPAWN_ERROR, TaskInstanceStatus.UNKNOWN_ERROR, spawnError(r), null, null, null, null);
            }
            case RUNTIME -> {
                return new Outcome(TaskState.FAILED, EndCause.RUNTIME, TaskInstanceStatus.RESOURCE_ERROR,
                        "runtime limit of " + seconds(r.limit()) + " exceeded after running " + seconds(r.t1Ms() - t0) + "; "
                                + howEnded(r), r.exitCode(), sig(r), cpu, peak);
            }
            case MEMORY -> {
                return new Outcome(TaskState.FAILED, EndCause.MEMORY, TaskInstanceStatus.RESOURCE_ERROR,
                        "memory limit of " + kib(r.limit()) + " exceeded: the task's processes reached " + kib(r.peakKb())
                                + "; " + howEnded(r),
                        r.exitCode(), sig(r), cpu, peak);
            }
            case TERMINATED -> {
                String who = reason != null ? reason.text : "terminated by a request this host did not make";
                EndCause cause = reason != null ? reason.endCause : EndCause.TERMINATED;
                return new Outcome(TaskState.TERMINATED, cause, TaskInstanceStatus.UNKNOWN_ERROR, who + "; " + howEnded(r),
                        r.exitCode(), sig(r), cpu, peak);
            }
            default -> {
                if (reason != null) {
                    // asked to end, but the command ended on its own first
                    return exit(r, cpu, peak, reason.endCause, TaskState.TERMINATED,
                            reason.text + "; " + exitText(r));
                }
                return exit(r, cpu, peak, r.signal() != 0 ? EndCause.SIGNAL : EndCause.EXIT,
                        r.exitCode() == 0 ? TaskState.DONE : TaskState.FAILED, exitText(r));
            }
        }
    }

    /** A task that ended with nobody to record its exit: lost. */
    static Outcome lost(String what) {
        return new Outcome(TaskState.LOST, EndCause.LOST, TaskInstanceStatus.UNKNOWN_ERROR, "task lost: " + what, null, null, null, null);
    }

    /**
     * A task whose process is gone with nobody to record how it ended: its launcher died with it, or before
     * it ({@code launcherEnd} says how, when known). Terminated if it was asked to end, lost otherwise.
     */
    static Outcome endedWithoutLauncher(TerminateReason terminateReason, long pid, long pidStartedMs, String launcherEnd) {
        if (terminateReason != null) {
            return new Outcome(TaskState.TERMINATED, terminateReason.endCause, TaskInstanceStatus.UNKNOWN_ERROR,
                    terminateReason.text + "; it ended with no launcher left to record how", null, null, null, null);
        }
        return lost(describeProcess(pid, pidStartedMs) + " ended with no launcher left to record its exit status (its launcher died too"
                + (launcherEnd != null ? ": " + launcherEnd : "") + ")");
    }

    /** A task terminated before it started. */
    static Outcome terminatedWhileQueued(TerminateReason reason) {
        return new Outcome(TaskState.TERMINATED, reason.endCause,
                TaskInstanceStatus.UNKNOWN_ERROR, reason.text + " before it started", null, null, null, null);
    }

    static Outcome queueingError(String message) {
        return new Outcome(TaskState.ERROR, EndCause.SPAWN_ERROR, TaskInstanceStatus.UNKNOWN_ERROR, message, null, null, null, null);
    }

    static String describeProcess(long pid, long startedMs) {
        return "process " + pid + (startedMs > 0 ? " (started at " + Instant.ofEpochMilli(startedMs) + ")" : "");
    }

    private static Outcome exit(TaskRecord.Result r, Long cpu, Long peak, EndCause cause, TaskState state, String message) {
        return new Outcome(state, cause, TaskInstanceStatus.UNKNOWN_ERROR, message, r.exitCode(), sig(r), cpu, peak);
    }

    private static String exitText(TaskRecord.Result r) {
        if (r.signal() != 0) {
            return "Process exited with code " + r.exitCode() + " (killed by " + Signals.name(r.signal()) + ")";
        }
        if (r.exitCode() == KILL_SELF_EXIT_CODE) {
            return "job was in kill self state";
        }
        return "Process exited with code " + r.exitCode();
    }

    private static String howEnded(TaskRecord.Result r) {
        if (r.signal() != 0) {
            return "the command ended by " + Signals.name(r.signal()) + " (exit code " + r.exitCode() + ")";
        }
        return "the command exited with code " + r.exitCode();
    }

    static String spawnError(TaskRecord.Result r) {
        String what = switch (r.stage()) {
            case "stdout" -> "cannot open the stdout log";
            case "stderr" -> "cannot open the stderr log";
            default -> "cannot start /bin/sh";
        };
        return what + ": " + Signals.errno(r.errno());
    }

    private static Integer sig(TaskRecord.Result r) {
        return r.signal() == 0 ? null : r.signal();
    }

    static String seconds(long ms) {
        if (ms % 1000 == 0) {
            return (ms / 1000) + "s";
        }
        return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
    }

    static String kib(long kib) {
        if (kib >= 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f GiB", kib / (1024.0 * 1024));
        }
        if (kib >= 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", kib / 1024.0);
        }
        return kib + " KiB";
    }
}
