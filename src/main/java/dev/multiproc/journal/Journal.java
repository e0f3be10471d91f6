package dev.multiproc.journal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationVersion;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal database of one host: an embedded H2 file, migrated by Flyway, pooled by HikariCP and
 * used through Jdbi SQL objects. Opening it checks that the file is intact and of a schema this
 * version understands before anything writes to it.
 */
public final class Journal extends JournalStore {
    private static final Logger log = LoggerFactory.getLogger(Journal.class);

    static {
        H2Settings.bindServersToLoopback();
    }

    /** The redo log starts over once it is this large: a checkpoint verifies what the database file holds. */
    static final long REDO_CHECKPOINT_BYTES = 64L << 20;

    /** The table the read-only user is not granted: the variables clients gave their tasks (their secrets). */
    static final String SECRET_TABLE = "JOB_ENVIRONMENT";

    private final JournalDirectory dir;
    private final JournalCredentials credentials;
    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final StatementRecorder recorder = new StatementRecorder();
    private final GenerationFile generationFile;
    private final RedoLog redo;
    private final long generation;
    private final JournalCompaction compaction;
    private final RepairReport repair;

    private Journal(JournalDirectory dir, JournalCredentials credentials, HikariDataSource dataSource,
            GenerationFile generationFile, RedoLog redo, long generation, RepairReport repair) {
        this.dir = dir;
        this.credentials = credentials;
        this.dataSource = dataSource;
        this.generationFile = generationFile;
        this.redo = redo;
        this.generation = generation;
        this.repair = repair;
        this.compaction = new JournalCompaction(dataSource, dir.databaseFile());
        // one Jdbi for both (each builds its SQL objects' handlers at first use): the writer's transactions get recorded connections
        this.jdbi = Jdbi.create(() -> recorder.recordsThisThread() ? recorder.wrap(dataSource.getConnection()) : dataSource.getConnection())
                .installPlugin(new SqlObjectPlugin());
        org.jdbi.v3.core.statement.SqlStatements statements = jdbi.getConfig(org.jdbi.v3.core.statement.SqlStatements.class);
        statements.setSqlParser(new PlainSqlParser(statements.getSqlParser()))
                .setTemplateEngine(new PlainTemplateEngine(statements.getTemplateEngine()));
    }

    /**
     * Opens (creating if needed) and migrates the journal in {@code dir}. The caller holds the {@link HostLock}.
     * A database file that lost commits, or does not open, is repaired first (see {@link JournalRepair}).
     */
    public static Journal open(JournalDirectory dir) {
        return open(dir, true);
    }

    /**
     * As {@link #open(JournalDirectory)}; with {@code syncCommits}, each commit's redo record reaches the disk
     * before the commit is acknowledged, and the database file does before the redo log drops records.
     */
    public static Journal open(JournalDirectory dir, boolean syncCommits) {
        JournalCredentials credentials = JournalCredentials.loadOrCreate(dir.credentialsFile(), Files.exists(dir.databaseFile()));
        CaughtUpCopy.forget(dir); // the readers' copy of a lagging file: this host's writes make it stale, and a repair needs room
        RepairReport repair = JournalRepair.verifyOrRepair(dir, credentials).orElse(null);
        dev.multiproc.trace.StartupTrace.mark("journal credentials, repair check");
        HikariDataSource ds = dataSource(dir, credentials);
        dev.multiproc.trace.StartupTrace.mark("H2 open, HikariCP pool");
        try {
            String schema = SchemaHistoryCheck.appliedExactly(ds).orElse(null);
            dev.multiproc.trace.StartupTrace.mark("schema history check");
            if (schema == null) {
                Flyway flyway = flyway(ds, null);
                MigrationInfoService info = SchemaMigration.info(flyway);
                dev.multiproc.trace.StartupTrace.mark("Flyway schema info");
                if (info.pending().length > 0) {
                    ds.close();
                    SchemaMigration.migrateOnACopy(dir, credentials, syncCommits);
                    ds = dataSource(dir, credentials);
                    schema = migrate(ds, null);
                } else {
                    schema = SchemaMigration.validate(flyway, info); // one reading of the schema history, where migrate() takes three
                }
                dev.multiproc.trace.StartupTrace.mark("Flyway validate/migrate");
            }
            grantReader(ds, credentials);
            dev.multiproc.trace.StartupTrace.mark("reader grants");
            long generation = currentGeneration(ds);
            dir.tightenFileModes();
            GenerationFile generationFile = GenerationFile.open(dir.generationFile());
            // the file was just read back at this generation: the commits before it need no redo (once on the disk)
            if (syncCommits) {
                flushToDisk(dir.databaseFile());
            }
            RedoLog redo = RedoLog.create(dir.redoFile(), generation, schema, syncCommits);
            Journal journal = new Journal(dir, credentials, ds, generationFile, redo, generation, repair);
            dev.multiproc.trace.StartupTrace.mark("redo log, Jdbi");
            return journal;
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    /** How the journal was repaired when it was opened; empty when it was intact. */
    public java.util.Optional<RepairReport> repairAtOpen() {
        return java.util.Optional.ofNullable(repair);
    }

    /** Runs the work of one commit in a transaction whose write statements are recorded for the redo log. */
    void writeTransaction(org.jdbi.v3.core.HandleConsumer<Exception> work) throws Exception {
        recorder.begin();
        try {
            jdbi.useTransaction(work);
        } finally {
            recorder.end();
        }
    }

    /**
     * After H2's commit of {@code generation} returned, before anyone is told: the redo log records its
     * statements, then the generation file its number.
     */
    void committed(long generation) throws IOException {
        redo.append(generation, recorder.recorded());
        generationFile.record(generation);
    }

    /**
     * Between commits: if the redo log has grown large, or the database was just reopened by a compaction,
     * reads the generation back from the reopened file and drops the redo records up to it.
     */
    void checkpointIfDue(long generation, boolean reopened) {
        if (!reopened && redo.size() < REDO_CHECKPOINT_BYTES && redo.disabledBecause() == null) {
            return;
        }
        if (!reopened && !compaction.reopenWhileOpen(false)) {
            return;
        }
        long verified = currentGeneration(dataSource);
        if (verified != generation) {
            log.warn("the journal database reads back at generation {} after reopening, not {}; the redo log keeps its records",
                    verified, generation);
            return;
        }
        if (redo.syncs()) {
            flushToDisk(dir.databaseFile());
        }
        redo.checkpoint(verified);
    }

    /**
     * Flushes a file's data, and its directory's entries (a repair renames the file), to the disk, whoever
     * wrote them: fsync works on the file, not on the descriptor that wrote.
     */
    private static void flushToDisk(java.nio.file.Path file) {
        try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ);
             java.nio.channels.FileChannel d = java.nio.channels.FileChannel.open(file.getParent(), java.nio.file.StandardOpenOption.READ)) {
            c.force(true);
            d.force(true);
        } catch (IOException e) {
            throw new JournalException("cannot flush " + file + " to the disk: " + e, e);
        }
    }

    public JournalDirectory directory() {
        return dir;
    }

    public JournalCredentials credentials() {
        return credentials;
    }

    /**
     * H2 closes a database whose file it could not write (a full disk, say): every pooled connection
     * then fails. Evicting them makes the next one open the file again, from its last intact state.
     */
    void reopenAfterFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException e && (e.getErrorCode() == 90098 || e.getErrorCode() == 90121)) {
                log.warn("the journal database was closed after a write failed; reopening it");
                dataSource.getHikariPoolMXBean().softEvictConnections();
                return;
            }
        }
    }

    /** The generation the journal held when it was opened. */
    long generationAtOpen() {
        return generation;
    }

    GenerationFile generationFile() {
        return generationFile;
    }

    /**
     * The JDBC URL of the database file; commits reach the operating system before they return. No trace
     * file: H2 would create it with the umask's mode, readable by others. A page cache of a bounded size.
     */
    static String url(JournalDirectory dir) {
        return "jdbc:h2:file:" + dir.databaseBase() + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;TRACE_LEVEL_FILE=0;CACHE_SIZE="
                + H2Settings.CACHE_KIB;
    }

    private static HikariDataSource dataSource(JournalDirectory dir, JournalCredentials credentials) {
        HikariConfig config = new HikariConfig();
        // H2's data source, not its driver's class name: HikariCP would ask DriverManager, which loads every driver first
        org.h2.jdbcx.JdbcDataSource h2 = new org.h2.jdbcx.JdbcDataSource();
        h2.setURL(url(dir));
        h2.setUser(JournalCredentials.OWNER);
        h2.setPassword(credentials.ownerPassword());
        config.setDataSource(h2);
        config.setPoolName("multiproc-journal");
        config.setMaximumPoolSize(4);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(30_000);
        config.setAllowPoolSuspension(true); // for compaction while open: callers wait instead of failing
        try {
            return new HikariDataSource(config);
        } catch (RuntimeException e) {
            if (e.getCause() instanceof SQLException s && s.getErrorCode() == 90020) {
                throw new JournalException(FileHolders.lockedMessage(dir.databaseFile(), s.getMessage()), e);
            }
            throw new JournalException("cannot open the journal database " + dir.databaseFile() + ": " + rootMessage(e), e);
        }
    }

    static long generation(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet tables = s.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES "
                     + "WHERE TABLE_SCHEMA = 'PUBLIC' AND TABLE_NAME = 'JOURNAL_META'")) {
            tables.next();
            if (tables.getLong(1) == 0) {
                return 0;
            }
        }
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT meta_value FROM journal_meta WHERE meta_key = 'generation'")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private static long currentGeneration(HikariDataSource ds) {
        try (Connection c = ds.getConnection()) {
            return generation(c);
        } catch (SQLException e) {
            throw new JournalException("cannot read the journal generation: " + e.getMessage(), e);
        }
    }

    /**
     * Migrates the schema to {@code target} (the newest when null); returns the version it is at then.
     * A journal of a newer schema than this version knows is refused.
     */
    static String migrate(javax.sql.DataSource ds, String target) {
        Flyway flyway = flyway(ds, target);
        MigrationInfoService info = flyway.info();
        SchemaMigration.refuseNewer(info);
        try {
            var result = flyway.migrate();
            if (result.migrationsExecuted > 0) {
                log.info("journal schema migrated to version {}", result.targetSchemaVersion);
            }
            MigrationInfo now = flyway.info().current();
            return now == null || now.getVersion() == null ? null : now.getVersion().getVersion();
        } catch (RuntimeException e) {
            throw new JournalException("cannot migrate the journal schema: " + rootMessage(e), e);
        }
    }

    private static Flyway flyway(javax.sql.DataSource ds, String target) {
        var config = Flyway.configure()
                .dataSource(ds)
                .locations(MigrationLocations.of(ds))
                .ignoreMigrationPatterns(new org.flywaydb.core.api.pattern.ValidatePattern[0]); // an unknown migration is an error
        // PostgreSQL: a session lock, and with it one connection for a migration and its schema history row, which then commit
        // together; with Flyway's default lock there they ran on two connections that committed apart, and a host killed
        // between the two commits left a migration applied but not recorded (MigrationAtomicityOnPostgresTest)
        config.getConfigurationExtension(org.flywaydb.database.postgresql.PostgreSQLConfigurationExtension.class).setTransactionalLock(false);
        if (target != null) {
            config.target(MigrationVersion.fromVersion(target));
        }
        return config.load();
    }

    /**
     * The reader may SELECT from every table and view and nothing else; re-granted at each open for new views,
     * with its password reset to the credentials file's.
     */
    private static void grantReader(HikariDataSource ds, JournalCredentials credentials) {
        try (Connection c = ds.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("CREATE USER IF NOT EXISTS " + JournalCredentials.READER + " PASSWORD ?")) {
                ps.setString(1, credentials.readerPassword());
                ps.execute();
            }
            // H2 lets a user change its own password: whatever a reader did to it, the credentials file decides
            try (PreparedStatement ps = c.prepareStatement("ALTER USER " + JournalCredentials.READER + " SET PASSWORD ?")) {
                ps.setString(1, credentials.readerPassword());
                ps.execute();
            }
            List<String> names = new ArrayList<>();
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'PUBLIC'")) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            // a grant is a schema change H2 commits to the file: only the missing ones (after a migration; 50 ms of each start)
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT TABLE_NAME FROM INFORMATION_SCHEMA.RIGHTS WHERE GRANTEE = '"
                         + JournalCredentials.READER + "' AND TABLE_SCHEMA = 'PUBLIC' AND RIGHTS = 'SELECT'")) {
                while (rs.next()) {
                    names.remove(rs.getString(1));
                }
            }
            try (Statement s = c.createStatement()) {
                for (String name : names) {
                    if (name.equals(SECRET_TABLE)) {
                        continue;
                    }
                    s.execute("GRANT SELECT ON PUBLIC.\"" + name.replace("\"", "\"\"") + "\" TO " + JournalCredentials.READER);
                }
            }
        } catch (SQLException e) {
            throw new JournalException("cannot set up the journal's read-only user: " + e.getMessage(), e);
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t.getMessage() + ")";
    }

    /** Compacts the open journal if its file has grown well past its live data. The writer calls it between commits. */
    boolean compactIfGrown() {
        return compaction.whileOpenIfGrown();
    }

    /** How many times the journal compacted its file while open (see {@link JournalCompaction}). */
    public long compactionsWhileOpen() {
        return compaction.whileOpenCount();
    }

    @Override
    public void close() {
        redo.close();
        generationFile.close();
        compaction.onClose();
        dataSource.close();
        dir.tightenFileModes();
    }
}
