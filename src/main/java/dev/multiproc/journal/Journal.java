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
public final class Journal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Journal.class);

    static {
        H2Settings.bindServersToLoopback();
    }

    private final JournalDirectory dir;
    private final JournalCredentials credentials;
    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final GenerationFile generationFile;
    private final long generation;
    private final JournalCompaction compaction;

    private Journal(JournalDirectory dir, JournalCredentials credentials, HikariDataSource dataSource,
            GenerationFile generationFile, long generation) {
        this.dir = dir;
        this.credentials = credentials;
        this.dataSource = dataSource;
        this.generationFile = generationFile;
        this.generation = generation;
        this.compaction = new JournalCompaction(dataSource, dir.databaseFile());
        this.jdbi = Jdbi.create(dataSource).installPlugin(new SqlObjectPlugin());
    }

    /** Opens (creating if needed) and migrates the journal in {@code dir}. The caller holds the {@link HostLock}. */
    public static Journal open(JournalDirectory dir) {
        JournalCredentials credentials = JournalCredentials.loadOrCreate(dir.credentialsFile());
        OptionalLong committed = GenerationFile.read(dir.generationFile());
        boolean exists = Files.exists(dir.databaseFile());
        if (committed.isPresent() || exists) {
            verifyIntact(dir, credentials, committed);
        }
        HikariDataSource ds = dataSource(dir, credentials);
        try {
            migrate(ds);
            grantReader(ds, credentials);
            long generation = currentGeneration(ds);
            dir.tightenFileModes();
            return new Journal(dir, credentials, ds, GenerationFile.open(dir.generationFile()), generation);
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
    }

    public Jdbi jdbi() {
        return jdbi;
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
     * file: H2 would create it with the umask's mode, readable by others.
     */
    static String url(JournalDirectory dir) {
        return "jdbc:h2:file:" + dir.databaseBase() + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;TRACE_LEVEL_FILE=0";
    }

    private static HikariDataSource dataSource(JournalDirectory dir, JournalCredentials credentials) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url(dir));
        config.setUsername(JournalCredentials.OWNER);
        config.setPassword(credentials.ownerPassword());
        config.setDriverClassName("org.h2.Driver");
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

    /**
     * Opens the file read-only first: H2 rolls a damaged file back to an older state and rewrites it,
     * and a read-only open can neither roll back on disk nor write.
     */
    private static void verifyIntact(JournalDirectory dir, JournalCredentials credentials, OptionalLong committed) {
        try {
            if (!Files.exists(dir.databaseFile()) || Files.size(dir.databaseFile()) == 0) {
                throw new JournalException("the journal database " + dir.databaseFile() + " is missing or empty, but the journal "
                        + "recorded committed generation " + committed.orElse(0) + "; restore the file from a backup, or move the "
                        + "journal directory aside to start a new journal");
            }
        } catch (IOException e) {
            throw new JournalException("cannot read " + dir.databaseFile() + ": " + e, e);
        }
        String url = "jdbc:h2:file:" + dir.databaseBase() + ";ACCESS_MODE_DATA=r;IFEXISTS=TRUE;DB_CLOSE_ON_EXIT=FALSE;TRACE_LEVEL_FILE=0";
        long found;
        try (Connection c = DriverManager.getConnection(url, JournalCredentials.OWNER, credentials.ownerPassword())) {
            found = generation(c);
        } catch (SQLException e) {
            if (e.getErrorCode() == 90020) {
                throw new JournalException(FileHolders.lockedMessage(dir.databaseFile(), e.getMessage()), e);
            }
            throw new JournalException("the journal database " + dir.databaseFile() + " is corrupt and was left untouched: "
                    + e.getMessage() + " (restore it from a backup, or move the journal directory aside to start a new journal)", e);
        }
        if (committed.isPresent() && found < committed.getAsLong()) {
            throw new JournalException("the journal database " + dir.databaseFile() + " is damaged: it holds generation " + found
                    + " but generation " + committed.getAsLong() + " was committed, so committed data is missing. The file was "
                    + "left untouched; restore it from a backup, or move the journal directory aside to start a new journal");
        }
    }

    private static long generation(Connection c) throws SQLException {
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

    private static void migrate(HikariDataSource ds) {
        Flyway flyway = Flyway.configure()
                .dataSource(ds)
                .locations("classpath:db/migration")
                .ignoreMigrationPatterns(new org.flywaydb.core.api.pattern.ValidatePattern[0]) // an unknown migration is an error
                .load();
        MigrationInfoService info = flyway.info();
        MigrationInfo current = info.current();
        MigrationVersion newest = MigrationVersion.EMPTY;
        for (MigrationInfo m : info.all()) {
            if (m.getState().isResolved() && m.getVersion() != null && m.getVersion().compareTo(newest) > 0) {
                newest = m.getVersion();
            }
        }
        if (current != null && current.getVersion() != null && current.getVersion().compareTo(newest) > 0) {
            throw new JournalException("the journal has schema version " + current.getVersion() + ", written by a newer multiproc; "
                    + "this version knows schema versions up to " + newest + ". Use a newer multiproc to open it");
        }
        try {
            var result = flyway.migrate();
            if (result.migrationsExecuted > 0) {
                log.info("journal schema migrated to version {}", result.targetSchemaVersion);
            }
        } catch (RuntimeException e) {
            throw new JournalException("cannot migrate the journal schema: " + rootMessage(e), e);
        }
    }

    /** The reader may SELECT from every table and view and nothing else; re-granted at each open for new views. */
    private static void grantReader(HikariDataSource ds, JournalCredentials credentials) {
        try (Connection c = ds.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("CREATE USER IF NOT EXISTS " + JournalCredentials.READER + " PASSWORD ?")) {
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
            try (Statement s = c.createStatement()) {
                for (String name : names) {
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
        generationFile.close();
        compaction.onClose();
        dataSource.close();
        dir.tightenFileModes();
    }
}
