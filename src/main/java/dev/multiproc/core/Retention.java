package dev.multiproc.core;

import dev.multiproc.journal.HistoryDao;
import dev.multiproc.journal.Journal;
import dev.multiproc.journal.JournalWriter;
import dev.multiproc.journal.PeriodicTask;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the task history within the configured age and size: finished tasks older than the
 * retention, or beyond the newest {@code historyMaxTasks}, are deleted in chunks, through the journal
 * writer, off the hot path. Queued and running tasks are never pruned.
 */
final class Retention implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Retention.class);
    private static final int CHUNK = 10_000;

    private final Journal journal;
    private final JournalWriter writer;
    private final Duration retention;
    private final long maxTasks;
    private final PeriodicTask task;

    Retention(Journal journal, JournalWriter writer, Duration retention, long maxTasks, Duration interval) {
        this.journal = journal;
        this.writer = writer;
        this.retention = retention;
        this.maxTasks = maxTasks;
        this.task = retention != null || maxTasks > 0 ? new PeriodicTask("multiproc-retention", interval, this::pruneOnce) : null;
    }

    /** One pass: deletes what is beyond the retention; returns how many tasks went. */
    long pruneOnce() {
        long total = 0;
        if (retention != null) {
            long cutoff = System.currentTimeMillis() - retention.toMillis();
            total += repeat(() -> writer.call(h -> h.attach(HistoryDao.class).pruneSubmittedBefore(cutoff, CHUNK)).join());
        }
        if (maxTasks > 0) {
            Optional<Long> beyond = journal.jdbi().withExtension(HistoryDao.class, d -> d.jobBeyond(maxTasks));
            if (beyond.isPresent()) {
                long job = beyond.get();
                total += repeat(() -> writer.call(h -> h.attach(HistoryDao.class).pruneJobsBefore(job, CHUNK)).join());
            }
        }
        if (total > 0) {
            long below = journal.jdbi().withHandle(h -> h.createQuery("SELECT COALESCE(MIN(job_id), 0) FROM task "
                    + "WHERE state IN ('QUEUED', 'RUNNING')").mapTo(Long.class).one());
            long limit = below == 0 ? Long.MAX_VALUE : below;
            writer.call(h -> {
                HistoryDao dao = h.attach(HistoryDao.class);
                dao.pruneEmptyJobs(limit);
                dao.pruneOrphanErrors();
                return null;
            }).join();
            log.debug("retention pruned {} finished tasks", total);
        }
        return total;
    }

    private static long repeat(java.util.function.IntSupplier chunk) {
        long total = 0;
        int n;
        do {
            n = chunk.getAsInt();
            total += n;
        } while (n >= CHUNK);
        return total;
    }

    @Override
    public void close() {
        if (task != null) {
            task.close();
        }
    }
}
