package dev.multiproc.core;

import dev.multiproc.journal.JobIdBlock;
import dev.multiproc.journal.TaskJournal;

/**
 * The job ids a host hands out, from blocks its journal reserves: one endless block on a journal one host holds;
 * on a journal several hosts share, blocks that start small (a host that submits little leaves few gaps) and
 * double, up to {@link #MAX_BLOCK}, as the host uses them up.
 */
final class JobIds {
    static final int FIRST_BLOCK = 1_000;
    static final int MAX_BLOCK = 1_048_576;

    private final TaskJournal journal;
    private long next;
    private long limit;
    private int blockSize = FIRST_BLOCK;
    /** Above every id handed out so far. */
    private volatile long highWater;

    JobIds(TaskJournal journal) {
        this.journal = journal;
        take(journal.reserveJobIds(blockSize));
    }

    synchronized long next() {
        if (next == limit) {
            blockSize = Math.min(MAX_BLOCK, blockSize * 2);
            take(journal.reserveJobIds(blockSize));
        }
        long id = next++;
        highWater = Math.max(highWater, next);
        return id;
    }

    private void take(JobIdBlock block) {
        next = block.first();
        limit = block.limit();
        highWater = Math.max(highWater, next);
    }

    /** Whether {@code jobId} is below every id this host will hand out next: it may have been handed out, here or by another host. */
    boolean mayHaveIssued(long jobId) {
        return jobId > 0 && jobId < highWater;
    }
}
