package dev.multiproc.journal;

import java.io.IOException;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The database a {@link JournalWriter} commits to, and what it must do around each commit: the embedded H2
 * file ({@link Journal}: a generation file, a redo log, compaction) or a PostgreSQL server
 * ({@link PostgresJournal}: the server's synchronous commit is the durability, nothing to do around it).
 */
public abstract class JournalStore implements AutoCloseable {

    JournalStore() {
    }

    public abstract Jdbi jdbi();

    /** How the database was repaired when it was opened; empty when it was intact (or cannot be repaired here). */
    public abstract Optional<RepairReport> repairAtOpen();

    /** Runs the work of one commit in one transaction. */
    abstract void writeTransaction(org.jdbi.v3.core.HandleConsumer<Exception> work) throws Exception;

    /** After the commit of {@code generation} returned, before anyone is told. */
    abstract void committed(long generation) throws IOException;

    /** Between commits: a chance to checkpoint what the commits since the last one made durable. */
    abstract void checkpointIfDue(long generation, boolean reopened);

    /** After a failed commit: whatever makes the next attempt find the database usable again. */
    abstract void reopenAfterFailure(Throwable failure);

    /** The generation the database held when it was opened. */
    abstract long generationAtOpen();

    /** Between commits: compacts the database if it has grown; true if it was reopened for that. */
    abstract boolean compactIfGrown();

    /** See {@link TaskJournal#supplanted()}. */
    java.util.Optional<String> supplanted() {
        return java.util.Optional.empty();
    }

    @Override
    public abstract void close();

    /**
     * In each commit of the writer, before it: records the next job id when the commit's jobs raised it
     * ({@code nextJobId} 0: they did not), and the commit's generation, where the store keeps them.
     */
    void stampCommit(org.jdbi.v3.core.Handle h, long nextJobId, long generation) {
        MetaDao meta = h.attach(MetaDao.class);
        if (nextJobId > 0) {
            meta.set(JournalMeta.NEXT_JOB_ID, nextJobId);
        }
        meta.set("generation", generation);
    }

    /**
     * Job ids this host may hand out, from the first not yet handed out by anyone: here all of them, as one host holds the
     * journal and each commit records how far it got ({@link #stampCommit}); {@code wanted} is how many it expects to use.
     */
    JobIdBlock reserveJobIds(org.jdbi.v3.core.Handle h, int wanted) {
        return new JobIdBlock(h.attach(MetaDao.class).get(JournalMeta.NEXT_JOB_ID), Long.MAX_VALUE);
    }

    /** The host's session is {@code id}: opened and durable. */
    void sessionOpened(int id) {
        // one host per journal: nothing to do
    }

    /** Within a commit that numbers rows by MAX + 1 (sessions, runs): keeps other hosts from taking the same number. */
    void lockNumbering(org.jdbi.v3.core.Handle h) {
        // one host per journal: nothing to do
    }
}
