package dev.multiproc.core;

import dev.multiproc.journal.PeriodicTask;
import dev.multiproc.journal.TaskJournal;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the task history within the configured age and size: finished tasks older than the
 * retention, or beyond the newest {@code historyMaxTasks}, are deleted (by the journal, in chunks),
 * off the hot path. Queued and running tasks are never pruned.
 */
final class Retention implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Retention.class);

    private final TaskJournal journal;
    private final Duration retention;
    private final long maxTasks;
    private final PeriodicTask task;

    Retention(TaskJournal journal, Duration retention, long maxTasks, Duration interval) {
        this.journal = journal;
        this.retention = retention;
        this.maxTasks = maxTasks;
        this.task = retention != null || maxTasks > 0 ? new PeriodicTask("multiproc-retention", interval, this::pruneOnce) : null;
    }

    /** One pass: deletes what is beyond the retention; returns how many tasks went. */
    long pruneOnce() {
        long total = 0;
        if (retention != null) {
            total += journal.pruneSubmittedBefore(System.currentTimeMillis() - retention.toMillis());
        }
        if (maxTasks > 0) {
            total += journal.pruneBeyond(maxTasks);
        }
        if (total > 0) {
            log.debug("retention pruned {} finished tasks", total);
        }
        return total;
    }

    @Override
    public void close() {
        if (task != null) {
            task.close();
        }
    }
}
