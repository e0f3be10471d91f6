package dev.multiproc.journal;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies the records of a redo log to a journal database file that fell back to an older generation. */
final class RedoReplay {
    private static final Logger log = LoggerFactory.getLogger(RedoReplay.class);

    private final DatabaseFile db;
    private final RedoLog.Contents redo;

    /** What a lenient replay did. */
    record Lenient(int applied, int failedStatements, long uncertainBelowJob, long generation) {
    }

    RedoReplay(DatabaseFile db, RedoLog.Contents redo) {
        this.db = db;
        this.redo = redo;
    }

    /** Whether the log holds every commit after {@code from} up to {@code committed}, with nothing missing. */
    boolean canComplete(long from, long committed) {
        return redo.schemaVersion() != null && redo.base() <= from && redo.lastGeneration() >= committed;
    }

    /**
     * Applies the records after {@code from}, one transaction each, checking after each that the database
     * reached its generation; returns the generation reached. Throws if a record does not apply as it did.
     */
    long applyStrictly(long from) throws IOException {
        migrateToLogSchema();
        long reached = from;
        try (Connection c = db.openForWriting()) {
            c.setAutoCommit(false);
            for (RedoLog.Entry e : redo.entries()) {
                if (e.generation() <= from) {
                    continue;
                }
                for (RecordedStatement s : e.statements()) {
                    s.apply(c);
                }
                long now = Journal.generation(c);
                if (now != e.generation()) {
                    c.rollback();
                    throw new IOException("after the redo record of generation " + e.generation() + " the database holds generation " + now);
                }
                c.commit();
                reached = e.generation();
            }
            shutDown(c);
        } catch (SQLException e) {
            throw new IOException("the redo record after generation " + reached + " does not apply: " + DatabaseFile.firstLine(e.getMessage()), e);
        }
        DatabaseFile.Opened check = db.openReadOnly();
        if (!check.opened() || check.generation() != reached || !db.readsWhole()) {
            throw new IOException("the replayed database does not read back at generation " + reached
                    + (check.opened() ? " (it holds " + check.generation() + ")" : ": " + check.error()));
        }
        return reached;
    }

    /**
     * Applies every record after {@code from} that applies, skipping statements that fail, and marks the
     * result as rebuilt: its generation is at least {@code committed}, its next job id beyond every id
     * seen (in the database, the log, or the task state files), and unfinished tasks of the jobs below
     * that id are uncertain.
     */
    Lenient applyLeniently(long from, long committed, long highestStateFileJob) throws IOException {
        if (redo.schemaVersion() != null) {
            try {
                migrateToLogSchema();
            } catch (IOException e) {
                log.warn("rebuilding the journal: {}", e.getMessage());
            }
        }
        int applied = 0;
        int failed = 0;
        try (Connection c = db.openForWriting()) {
            c.setAutoCommit(false);
            for (RedoLog.Entry e : redo.entries()) {
                if (e.generation() <= from) {
                    continue;
                }
                for (RecordedStatement s : e.statements()) {
                    try {
                        s.apply(c);
                    } catch (SQLException ex) {
                        failed++; // H2 undoes just the failed statement; the rest of the record still applies
                    }
                }
                c.commit();
                applied++;
            }
            Journal.migrate(db.dataSource(), null);
            long next = Math.max(Math.max(meta(c, "next_job_id"), maxJobId(c) + 1), highestStateFileJob + 1);
            long generation = Math.max(committed, Journal.generation(c));
            setMeta(c, "next_job_id", next);
            setMeta(c, "generation", generation);
            setMeta(c, JournalMeta.UNCERTAIN_BELOW_JOB, next);
            c.commit();
            shutDown(c);
            return new Lenient(applied, failed, next, generation);
        } catch (SQLException e) {
            throw new IOException("cannot rebuild the journal: " + DatabaseFile.firstLine(e.getMessage()), e);
        }
    }

    private void migrateToLogSchema() throws IOException {
        try {
            Journal.migrate(db.dataSource(), redo.schemaVersion());
        } catch (RuntimeException e) {
            throw new IOException("cannot bring the database to the redo log's schema version " + redo.schemaVersion() + ": "
                    + e.getMessage(), e);
        }
    }

    private static long meta(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT meta_value FROM journal_meta WHERE meta_key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    private static void setMeta(Connection c, String key, long value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("MERGE INTO journal_meta (meta_key, meta_value) KEY (meta_key) VALUES (?, ?)")) {
            ps.setString(1, key);
            ps.setLong(2, value);
            ps.executeUpdate();
        }
    }

    private static long maxJobId(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(job_id), 0) FROM job")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Closes the database so that its file is complete on disk before anyone copies or moves it. */
    private static void shutDown(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SHUTDOWN");
        }
    }
}
