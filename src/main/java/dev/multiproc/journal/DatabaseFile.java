package dev.multiproc.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.h2.api.ErrorCode;

/** One H2 journal database file, opened by itself: the journal's own, or a copy being repaired. */
final class DatabaseFile {
    private final Path base;
    private final JournalCredentials credentials;

    /** What opening the file found: the generation it holds, or why it did not open. */
    record Opened(long generation, String error, boolean locked) {
        static Opened at(long generation) {
            return new Opened(generation, null, false);
        }

        static Opened failed(String error) {
            return new Opened(-1, error, false);
        }

        boolean opened() {
            return error == null;
        }
    }

    /** @param base H2's database name: the file is this path plus {@code .mv.db} */
    DatabaseFile(Path base, JournalCredentials credentials) {
        this.base = base;
        this.credentials = credentials;
    }

    Path file() {
        return base.resolveSibling(base.getFileName() + ".mv.db");
    }

    boolean exists() {
        try {
            return Files.exists(file()) && Files.size(file()) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Opens the file read-only, so that H2 can neither roll a damaged file back on disk nor write it,
     * and reads its generation. Wrong credentials or a newer file format are not damage: they throw.
     */
    Opened openReadOnly() {
        try (Connection c = connect(";ACCESS_MODE_DATA=r")) {
            return Opened.at(Journal.generation(c));
        } catch (SQLException e) {
            if (e.getErrorCode() == ErrorCode.DATABASE_ALREADY_OPEN_1) {
                return new Opened(-1, e.getMessage(), true);
            }
            if (e.getErrorCode() == ErrorCode.WRONG_USER_OR_PASSWORD) {
                throw new JournalException("cannot open the journal database " + file() + ": the credentials beside it do not "
                        + "match it (was the credentials file replaced?)", e);
            }
            return Opened.failed(firstLine(e.getMessage()));
        }
    }

    /**
     * Opens the file in H2's recovery mode, which scans every block for the newest complete set of chunks instead of
     * trusting the file header (and leaves the header naming it), then reads it back: at the generation it then holds,
     * or failed, saying why, when it does not open or some of its rows cannot be read.
     */
    Opened recover() {
        try {
            org.h2.mvstore.MVStore store = new org.h2.mvstore.MVStore.Builder().fileName(file().toString()).recoveryMode().open();
            store.close();
        } catch (RuntimeException e) {
            return Opened.failed("H2's recovery mode could not open the file: " + e.getMessage());
        }
        Opened r = openReadOnly();
        if (!r.opened()) {
            return Opened.failed("after H2's recovery mode the file does not open: " + r.error());
        }
        return readsWhole() ? r : Opened.failed("after H2's recovery mode some of its rows cannot be read");
    }

    /** Whether every row of every table can be read: a file whose header opens can still miss pages. */
    boolean readsWhole() {
        try (Connection c = connect(";ACCESS_MODE_DATA=r"); Statement s = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES "
                    + "WHERE TABLE_SCHEMA = 'PUBLIC' AND TABLE_TYPE = 'BASE TABLE'")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String table : tables) {
                try (ResultSet rs = s.executeQuery("SELECT * FROM PUBLIC.\"" + table.replace("\"", "\"\"") + "\"")) {
                    int columns = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        for (int i = 1; i <= columns; i++) {
                            rs.getObject(i);
                        }
                    }
                }
            }
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /** Creates an empty journal database here, migrated to {@code schemaVersion} (all migrations when null); returns its generation. */
    long createEmpty(String schemaVersion) throws IOException {
        JournalDirectory.privateDirectory(base.getParent());
        try (Connection c = connect("")) {
            Journal.migrate(dataSource(), schemaVersion);
            return Journal.generation(c);
        } catch (SQLException | RuntimeException e) {
            throw new IOException("cannot create an empty journal database in " + base.getParent() + ": " + e.getMessage(), e);
        }
    }

    /** A read-write connection; commits reach the operating system before they return. */
    Connection openForWriting() throws SQLException {
        return connect(";IFEXISTS=TRUE");
    }

    /** A data source of read-write connections to the file, for Flyway. */
    javax.sql.DataSource dataSource() {
        org.h2.jdbcx.JdbcDataSource ds = new org.h2.jdbcx.JdbcDataSource();
        ds.setURL("jdbc:h2:file:" + base + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;TRACE_LEVEL_FILE=0");
        ds.setUser(JournalCredentials.OWNER);
        ds.setPassword(credentials.ownerPassword());
        return ds;
    }

    private Connection connect(String settings) throws SQLException {
        return H2Settings.connect("jdbc:h2:file:" + base + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;TRACE_LEVEL_FILE=0" + settings,
                JournalCredentials.OWNER, credentials.ownerPassword());
    }

    static String firstLine(String message) {
        String m = String.valueOf(message);
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
