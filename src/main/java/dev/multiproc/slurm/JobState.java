package dev.multiproc.slurm;

import java.util.Locale;

/** A Slurm job state as squeue and sacct print it in full ({@code squeue %T}, {@code sacct State}). */
public enum JobState {
    PENDING(false), CONFIGURING(false), RUNNING(false), COMPLETING(false), SUSPENDED(false), STOPPED(false),
    RESIZING(false), REQUEUED(false), REQUEUE_FED(false), REQUEUE_HOLD(false), RESV_DEL_HOLD(false),
    SIGNALING(false), STAGE_OUT(false),
    COMPLETED(true), FAILED(true), CANCELLED(true), TIMEOUT(true), OUT_OF_MEMORY(true), NODE_FAIL(true),
    BOOT_FAIL(true), DEADLINE(true), PREEMPTED(true), REVOKED(true), SPECIAL_EXIT(true),
    /** A state this client does not know; the raw text is kept beside it. */
    UNKNOWN(false);

    private final boolean finished;

    JobState(boolean finished) {
        this.finished = finished;
    }

    /** True once the job has ended for good: its exit information will not change. */
    public boolean isFinished() {
        return finished;
    }

    /** Reads {@code RUNNING}, {@code CANCELLED by 0} (sacct names who cancelled), {@code CANCELLED+} (a cut field). */
    public static JobState parse(String text) {
        String t = text == null ? "" : text.trim();
        int cut = indexOfAny(t, " +");
        String word = (cut < 0 ? t : t.substring(0, cut)).toUpperCase(Locale.ROOT);
        for (JobState s : values()) {
            if (s.name().equals(word)) {
                return s;
            }
        }
        return UNKNOWN;
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }
}
