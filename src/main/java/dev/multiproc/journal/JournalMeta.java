package dev.multiproc.journal;

/** Keys of the {@code journal_meta} table. */
public final class JournalMeta {
    /** The next job id to hand out; ids are never reused, even after history is pruned. */
    public static final String NEXT_JOB_ID = "next_job_id";
    /** Bumped by every journal commit; the generation file and the redo log hold the newest one committed. */
    public static final String GENERATION = "generation";
    /**
     * Present after a journal was rebuilt with commits missing: unfinished tasks of jobs below this id
     * whose state files are gone may have run and ended in what was lost, so the next recovery reports
     * them lost instead of running them again; it then removes the key.
     */
    public static final String UNCERTAIN_BELOW_JOB = "uncertain_below_job";

    private JournalMeta() {
    }
}
