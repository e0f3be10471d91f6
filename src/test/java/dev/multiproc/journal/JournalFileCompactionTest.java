package dev.multiproc.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link JournalCompaction} on a real H2 file, with limits of a few MiB instead of the journal's 8 and 64
 * (the whole journal growing past them, compacted by its writer and on stop: {@code JournalCompactionTest}
 * in the slow tier). A file that grew with rows since deleted shrinks to its live data, which stay.
 */
class JournalFileCompactionTest {
    private static final long MIB = 1L << 20;

    @TempDir
    Path tmp;

    private HikariDataSource dataSource;

    private Path file() {
        return tmp.resolve("db.mv.db");
    }

    private HikariDataSource open() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:file:" + tmp.resolve("db") + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;TRACE_LEVEL_FILE=0");
        config.setUsername("sa");
        config.setPassword("");
        config.setMaximumPoolSize(4);
        config.setMinimumIdle(1);
        config.setAllowPoolSuspension(true); // as the journal's pool: compaction while open suspends it
        dataSource = new HikariDataSource(config);
        return dataSource;
    }

    @AfterEach
    void close() {
        if (dataSource != null) {
            dataSource.close();
        }
    }

    /**
     * Commits rows of 1 KB, 128 at a time, until the file holds {@code bytes}, then deletes all but one row in
     * 64; returns the number of rows kept. Each commit leaves the pages it replaced behind: the file grows far
     * past its data.
     */
    private long growWithDeletedRows(HikariDataSource ds, long bytes) throws SQLException, java.io.IOException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS t (id BIGINT PRIMARY KEY, pad VARCHAR)");
            for (long from = 1; Files.size(file()) < bytes; from += 128) {
                // random text: a page of it does not shrink whatever H2 does with it
                s.execute("INSERT INTO t SELECT X, RAWTOHEX(SECURE_RAND(500)) FROM SYSTEM_RANGE(" + from + ", " + (from + 127) + ")");
            }
            s.execute("DELETE FROM t WHERE MOD(id, 64) <> 0");
        }
        return count(ds, "SELECT COUNT(*) FROM t");
    }

    private static long count(HikariDataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aFileOverTheLimitIsCompactedToItsLiveDataOnClose() throws Exception {
        HikariDataSource ds = open();
        JournalCompaction compaction = new JournalCompaction(ds, file(), MIB, Long.MAX_VALUE);
        long live = growWithDeletedRows(ds, 2 * MIB);
        long grown = Files.size(file());
        compaction.onClose();
        long compacted = Files.size(file()); // before the pool closes: H2's own closing compaction would shrink a file this small
        ds.close();
        assertTrue(compacted < grown / 4, "the file was " + grown + " bytes and is " + compacted + " after compaction");
        assertEquals(live, count(open(), "SELECT COUNT(*) FROM t"), "the live rows survive compaction");
    }

    @Test
    void aFileUnderTheLimitIsLeftOpenAndAsItIsOnClose() throws Exception {
        HikariDataSource ds = open();
        JournalCompaction compaction = new JournalCompaction(ds, file(), 64 * MIB, Long.MAX_VALUE);
        long live = growWithDeletedRows(ds, 2 * MIB);
        long grown = Files.size(file());
        compaction.onClose();
        assertEquals(live, count(ds, "SELECT COUNT(*) FROM t"), "the database is still open: nothing shut it down");
        assertEquals(grown, Files.size(file()));
    }

    @Test
    void whileOpenAFileThatGrewIsCompactedAndTheSamePoolServesItAgain() throws Exception {
        HikariDataSource ds = open();
        JournalCompaction compaction = new JournalCompaction(ds, file(), Long.MAX_VALUE, MIB);
        assertFalse(compaction.whileOpenIfGrown(), "a small file is left alone");
        long live = growWithDeletedRows(ds, 2 * MIB);
        long grown = Files.size(file());

        AtomicBoolean compacting = new AtomicBoolean(true);
        AtomicLong answered = new AtomicLong();
        List<Throwable> failed = Collections.synchronizedList(new ArrayList<>());
        Thread caller = new Thread(() -> { // a caller of the journal all along: it waits while the pool is suspended, never fails
            while (compacting.get()) {
                try {
                    assertEquals(live, count(ds, "SELECT COUNT(*) FROM t"));
                    answered.incrementAndGet();
                } catch (Throwable e) {
                    failed.add(e);
                    return;
                }
            }
        }, "caller");
        caller.start();
        boolean compacted;
        try {
            compacted = compaction.whileOpenIfGrown();
        } finally {
            long before = answered.get();
            while (answered.get() == before && failed.isEmpty() && caller.isAlive()) {
                Thread.onSpinWait(); // one more answer after the compaction, from the reopened file
            }
            compacting.set(false);
            caller.join();
        }
        assertEquals(List.of(), failed, "calls made while the journal compacted");
        assertTrue(compacted, "the grown file was compacted");
        assertEquals(1, compaction.whileOpenCount());
        long after = Files.size(file());
        assertTrue(after < grown / 4, "the file was " + grown + " bytes and is " + after + " after compaction");
        assertEquals(live, count(ds, "SELECT COUNT(*) FROM t"));
        assertFalse(compaction.whileOpenIfGrown(), "not again until the file has grown four times what compaction left");
        assertEquals(1, compaction.whileOpenCount());
    }

    @Test
    void whileOpenCompactionIsPutOffWhileAnotherConnectionIsInUse() throws Exception {
        HikariDataSource ds = open();
        JournalCompaction compaction = new JournalCompaction(ds, file(), Long.MAX_VALUE, MIB);
        long live = growWithDeletedRows(ds, 2 * MIB);
        long grown = Files.size(file());
        try (Connection busy = ds.getConnection()) {
            assertFalse(compaction.whileOpenIfGrown(), "compacted under a connection in use");
            assertEquals(grown, Files.size(file()));
            try (Statement s = busy.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
                assertTrue(rs.next());
                assertEquals(live, rs.getLong(1), "the connection in use still works");
            }
        }
        assertTrue(compaction.whileOpenIfGrown(), "compacted once the connection was handed back");
        assertTrue(Files.size(file()) < grown / 4);
        assertEquals(live, count(ds, "SELECT COUNT(*) FROM t"));
    }
}
