package dev.multiproc.journal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.SqlStatements;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal database on a PostgreSQL server: migrated by Flyway with the same migrations as H2's (and
 * {@code db/postgresql} where the SQL differs), pooled by HikariCP, its statements translated by
 * {@link PostgresDialect}. A commit is durable when the server's synchronous commit returns: there is no redo log,
 * generation file or repair here; the server's own write-ahead log is all of that.
 */
public final class PostgresJournal extends JournalStore {
    private static final Logger log = LoggerFactory.getLogger(PostgresJournal.class);

    private final PostgresHostLock hostLock;
    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final long generation;
    private final PeriodicTask lockWatch;

    private PostgresJournal(PostgresHostLock hostLock, HikariDataSource dataSource, long generation) {
        this.hostLock = hostLock;
        // an idle host too learns within a second that the server dropped its lock: it takes it again, or stands down
        this.lockWatch = new PeriodicTask("multiproc-host-lock", java.time.Duration.ofSeconds(1), this::watchLock);
        this.dataSource = dataSource;
        this.generation = generation;
        this.jdbi = Jdbi.create(dataSource).installPlugin(new SqlObjectPlugin());
        SqlStatements statements = jdbi.getConfig(SqlStatements.class);
        statements.setTemplateEngine(new PostgresDialect(new PlainTemplateEngine(statements.getTemplateEngine())));
        statements.setSqlParser(new PlainSqlParser(statements.getSqlParser()));
    }

    /** Connects to the server, migrates the journal's schema there and checks that the server commits durably. */
    public static PostgresJournal open(PostgresJournalSettings settings, String host) {
        PostgresHostLock lock = PostgresHostLock.acquire(settings, host);
        HikariDataSource ds;
        try {
            ds = dataSource(settings);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
        try {
            checkDurability(ds);
            Journal.migrate(ds, null);
            try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT meta_value FROM journal_meta WHERE meta_key = 'generation'")) {
                return new PostgresJournal(lock, ds, rs.next() ? rs.getLong(1) : 0);
            }
        } catch (SQLException e) {
            ds.close();
            lock.close();
            throw new JournalException("cannot open the journal on " + settings.url() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            ds.close();
            lock.close();
            throw e;
        }
    }

    private static HikariDataSource dataSource(PostgresJournalSettings settings) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(settings.url());
        config.setUsername(settings.user());
        config.setPassword(settings.password());
        config.setDriverClassName("org.postgresql.Driver");
        config.setPoolName("multiproc-journal-postgres");
        config.setMaximumPoolSize(4);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(30_000);
        // a server set to synchronous_commit = off would acknowledge commits it can still lose: not for the journal
        config.setConnectionInitSql("SELECT set_config('synchronous_commit', 'on', false) WHERE current_setting('synchronous_commit') = 'off'");
        try {
            return new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new JournalException("cannot connect to the journal on " + settings.url() + " as " + settings.user() + ": "
                    + Journal.rootMessage(e), e);
        }
    }

    private static void checkDurability(HikariDataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW fsync")) {
            if (rs.next() && "off".equals(rs.getString(1))) {
                log.warn("the PostgreSQL server of the journal runs with fsync = off: a crash of its machine can lose what the journal "
                        + "acknowledged");
            }
        }
    }

    @Override
    public Jdbi jdbi() {
        return jdbi;
    }

    @Override
    public Optional<RepairReport> repairAtOpen() {
        return Optional.empty();
    }

    @Override
    void writeTransaction(org.jdbi.v3.core.HandleConsumer<Exception> work) throws Exception {
        hostLock.ensureHeld();
        jdbi.useTransaction(work);
    }

    @Override
    void committed(long generation) {
        // the server's commit returned: it is in its write-ahead log on the disk
    }

    @Override
    void checkpointIfDue(long generation, boolean reopened) {
        // the server checkpoints its own log
    }

    @Override
    void reopenAfterFailure(Throwable failure) {
        // HikariCP drops a connection the server broke; the next commit takes a new one. Whatever broke it may have taken
        // the lock's connection too: the next write checks the lock first, so that a host that lost its name stops at once
        hostLock.checkAtNextWrite();
    }

    @Override
    long generationAtOpen() {
        return generation;
    }

    /** Several hosts write at once: job ids are reserved in blocks before they are handed out, and no generation is kept. */
    @Override
    void stampCommit(org.jdbi.v3.core.Handle h, long nextJobId, long generation) {
        // the ids of the commit's jobs were reserved, durably, before they were handed out
    }

    @Override
    JobIdBlock reserveJobIds(org.jdbi.v3.core.Handle h, int wanted) {
        long next = h.createQuery("UPDATE journal_meta SET meta_value = meta_value + :wanted WHERE meta_key = 'next_job_id' "
                + "RETURNING meta_value").bind("wanted", (long) wanted).mapTo(Long.class).one();
        return new JobIdBlock(next - wanted, next);
    }

    @Override
    void lockNumbering(org.jdbi.v3.core.Handle h) {
        h.createQuery("SELECT pg_advisory_xact_lock(:key, 0)").bind("key", PostgresHostLock.NUMBERING_KEY_CLASS).mapTo(String.class).one();
    }

    @Override
    void sessionOpened(int id) {
        hostLock.sessionOpened(id);
    }

    @Override
    java.util.Optional<String> supplanted() {
        return hostLock.supplanted();
    }

    /** The name of the host that holds this journal. */
    String host() {
        return hostLock.host();
    }

    @Override
    boolean compactIfGrown() {
        return false; // the server's autovacuum does
    }

    private void watchLock() {
        if (hostLock.supplanted().isPresent()) {
            return;
        }
        try {
            hostLock.ensureHeld();
        } catch (JournalException e) {
            // the server is away, or another host took the name: the writes say the first, supplanted() the second
        }
    }

    @Override
    public void close() {
        lockWatch.close();
        dataSource.close();
        hostLock.close();
    }
}
