package dev.multiproc.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Migrates a journal's schema all at once or not at all. H2 commits each DDL statement by itself, so a
 * host killed in the middle of a migration done in place leaves tables that Flyway's history does not
 * know, and no later host can migrate the journal (the chaos test found it on a new journal). So the
 * schema is migrated on a copy of the database file, which then replaces it in one rename: a kill leaves
 * either the old file, migrated again by the next host, or the new one.
 *
 * <p>A journal that an earlier version left half-migrated, and that never held a commit (generation 0),
 * holds nothing to lose: it is moved aside to {@code damaged/} and created anew.
 */
final class SchemaMigration {
    private static final Logger log = LoggerFactory.getLogger(SchemaMigration.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);

    private SchemaMigration() {
    }

    /** The schema history of the database behind {@code flyway}, beside this version's migrations. */
    static org.flywaydb.core.api.MigrationInfoService info(Flyway flyway) {
        try {
            return flyway.info();
        } catch (RuntimeException e) {
            throw new JournalException("cannot read the journal's schema version: " + Journal.rootMessage(e), e);
        }
    }

    /**
     * For a journal with no migration pending: what {@link #migrate} checks (a newer schema is refused, the
     * applied migrations must match this version's), without migrating; returns the schema version.
     */
    static String validate(Flyway flyway, MigrationInfoService info) {
        refuseNewer(info);
        try {
            var result = flyway.validateWithResult();
            if (!result.validationSuccessful) {
                throw new JournalException("the journal's schema does not match this version's migrations: "
                        + result.getAllErrorMessages().strip().replaceAll("\\s*\\n\\s*", "; "));
            }
        } catch (JournalException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new JournalException("cannot validate the journal schema: " + Journal.rootMessage(e), e);
        }
        MigrationInfo current = info.current();
        return current == null || current.getVersion() == null ? null : current.getVersion().getVersion();
    }

    static void refuseNewer(MigrationInfoService info) {
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
    }

    /**
     * Migrates the journal's database file on a copy and renames the copy over it. The caller holds the
     * {@link HostLock} and has no connection open to the file.
     */
    static void migrateOnACopy(JournalDirectory dir, JournalCredentials credentials, boolean sync) {
        Path work = dir.root().resolve("migrating");
        DatabaseFile live = new DatabaseFile(dir.databaseBase(), credentials);
        try {
            JournalDirectory.deleteTree(work); // what a host killed while migrating left
            JournalDirectory.privateDirectory(work);
            DatabaseFile copy = new DatabaseFile(work.resolve("journal"), credentials);
            if (live.exists()) {
                Files.copy(live.file(), copy.file());
            }
            try {
                migrateAndClose(copy);
            } catch (JournalException e) {
                if (!live.exists() || live.openReadOnly().generation() != 0) {
                    throw e;
                }
                Path aside = moveAside(dir, live, e);
                JournalDirectory.deleteTree(work);
                JournalDirectory.privateDirectory(work);
                copy = new DatabaseFile(work.resolve("journal"), credentials);
                migrateAndClose(copy);
                log.warn("the journal database {} never held a commit and could not be migrated ({}); it was moved to {} and "
                        + "created anew", live.file(), e.getMessage(), aside);
            }
            if (sync) {
                force(copy.file());
            }
            Files.move(copy.file(), live.file(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            if (sync) {
                force(dir.root());
            }
            JournalDirectory.deleteTree(work);
        } catch (IOException e) {
            throw new JournalException("cannot migrate the journal schema of " + live.file() + ": " + e, e);
        }
    }

    private static void migrateAndClose(DatabaseFile copy) {
        DataSource ds = copy.dataSource();
        // one connection held open keeps the database open between Flyway's; SHUTDOWN then writes it whole
        try (Connection keepOpen = ds.getConnection()) {
            Journal.migrate(ds, null);
            try (Statement s = keepOpen.createStatement()) {
                s.execute("SHUTDOWN");
            }
        } catch (SQLException e) {
            throw new JournalException("cannot migrate a copy of the journal database: " + e.getMessage(), e);
        }
    }

    private static Path moveAside(JournalDirectory dir, DatabaseFile live, JournalException why) throws IOException {
        Path evidence = dir.root().resolve("damaged").resolve(STAMP.format(Instant.now()));
        JournalDirectory.privateDirectory(evidence.getParent());
        JournalDirectory.privateDirectory(evidence);
        Files.move(live.file(), evidence.resolve(live.file().getFileName()));
        Files.writeString(evidence.resolve("REPAIR.txt"), "The journal database held no commit (generation 0) and its schema "
                + "could not be migrated, most likely because an earlier host was killed while migrating it in place:\n"
                + why.getMessage() + "\nIt was created anew; the file as found is here.\n");
        return evidence;
    }

    private static void force(Path path) throws IOException {
        try (FileChannel c = FileChannel.open(path, StandardOpenOption.READ)) {
            c.force(true);
        }
    }
}
