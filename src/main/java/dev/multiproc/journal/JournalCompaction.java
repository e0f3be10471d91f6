package dev.multiproc.journal;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the journal file near the size of its live data. While the database is open, H2 reuses the
 * space of deleted rows only in part: it keeps every chunk that still holds a few live pages
 * (h2database issue 3848), so the file of a journal whose history retention deletes as much as it adds
 * still grows with every task. Only {@code SHUTDOWN COMPACT} rewrites it down to its live data, and it
 * closes the database: on the journal's close, and, when the file has grown well past what the last
 * compaction left, while it is open, with the connection pool suspended so that callers wait for the
 * compacted database instead of failing.
 */
final class JournalCompaction {
    private static final Logger log = LoggerFactory.getLogger(JournalCompaction.class);
    /**
     * A journal file at least this large is compacted when the journal closes. (H2's own closing
     * compaction, which runs otherwise, is bounded in time and can leave the file larger than it was.)
     */
    static final long ON_CLOSE_ABOVE_BYTES = 8L << 20;
    /** While open: at least this large, and {@link #GROWTH} times what the last compaction (or the open) left. */
    static final long WHILE_OPEN_ABOVE_BYTES = 64L << 20;
    static final int GROWTH = 4;
    /** How long the other users of the pool may take to hand their connections back before a compaction is put off. */
    private static final long QUIET_WAIT_MS = 2_000;

    private final HikariDataSource dataSource;
    private final Path file;
    private final long onCloseAbove;
    private final long whileOpenAbove;
    private long baseline;
    private volatile long whileOpen;

    JournalCompaction(HikariDataSource dataSource, Path file) {
        this(dataSource, file, ON_CLOSE_ABOVE_BYTES, WHILE_OPEN_ABOVE_BYTES);
    }

    /** With other sizes than the journal's, for tests that cannot afford to grow a file to 64 MiB. */
    JournalCompaction(HikariDataSource dataSource, Path file, long onCloseAbove, long whileOpenAbove) {
        this.dataSource = dataSource;
        this.file = file;
        this.onCloseAbove = onCloseAbove;
        this.whileOpenAbove = whileOpenAbove;
        this.baseline = sizeOr(0);
    }

    /** Compacts the open journal if its file has grown enough; true when it did. Call it where no write is in flight. */
    boolean whileOpenIfGrown() {
        long before = sizeOr(0);
        if (before < whileOpenAbove || before < GROWTH * baseline) {
            return false;
        }
        long t0 = System.nanoTime();
        if (!reopenWhileOpen(true)) {
            return false;
        }
        baseline = sizeOr(before);
        whileOpen++; // only the journal writer's thread compacts while open
        log.info("journal compacted while open from {} MiB to {} MiB in {} ms", before >> 20, baseline >> 20,
                (System.nanoTime() - t0) / 1_000_000);
        return true;
    }

    /**
     * Shuts the open database down (compacting its file, if asked) with the connection pool suspended,
     * so that callers wait; the pool opens the file again for the next of them. True when it did.
     * Call it where no write is in flight.
     */
    boolean reopenWhileOpen(boolean compact) {
        HikariPoolMXBean pool = dataSource.getHikariPoolMXBean();
        Connection c;
        try {
            c = dataSource.getConnection();
        } catch (SQLException e) {
            log.warn("cannot reopen the journal now: {}", Journal.rootMessage(e));
            return false;
        }
        pool.suspendPool();
        try {
            if (!othersReturned(pool)) {
                log.info("reopening the journal put off: its connections are busy");
                closeQuietly(c);
                return false;
            }
            if (!shutDown(c, compact)) {
                return false;
            }
            pool.softEvictConnections(); // they belong to the database just shut down
            return true;
        } finally {
            pool.resumePool();
        }
    }

    /** How many times the journal was compacted while open. */
    long whileOpenCount() {
        return whileOpen;
    }

    /** Before the pool closes: a large file is compacted, so that the next host opens a small one. */
    void onClose() {
        long before = sizeOr(0);
        if (before < onCloseAbove) {
            return;
        }
        long t0 = System.nanoTime();
        try {
            if (!shutDown(dataSource.getConnection(), true)) {
                return;
            }
        } catch (SQLException e) {
            log.warn("could not compact the journal on closing: {}", Journal.rootMessage(e));
            return;
        }
        log.info("journal compacted from {} MiB to {} MiB in {} ms", before >> 20, sizeOr(before) >> 20,
                (System.nanoTime() - t0) / 1_000_000);
    }

    private static boolean othersReturned(HikariPoolMXBean pool) {
        long deadline = System.currentTimeMillis() + QUIET_WAIT_MS;
        while (pool.getActiveConnections() > 1) {
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Shuts the database down, with compaction if asked, through {@code c}, which it closes. */
    private static boolean shutDown(Connection c, boolean compact) {
        try {
            c.createStatement().execute(compact ? "SHUTDOWN COMPACT" : "SHUTDOWN");
            return true;
        } catch (SQLException e) {
            log.warn("could not compact the journal: {}", Journal.rootMessage(e));
            return false;
        } finally {
            closeQuietly(c); // after a shutdown, closing what used the database may only complain about it
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            log.debug("closing a journal connection: {}", e.getMessage());
        }
    }

    private long sizeOr(long fallback) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return fallback;
        }
    }
}
