package dev.multiproc.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs the tests of a {@link JournalTest} class on PostgreSQL: register it in a subclass
 * ({@code @RegisterExtension final PostgresJournals postgres = new PostgresJournals(this::journal)}) and every host
 * the tests open through {@link Hosts} keeps its journal in a fresh database of the test server, dropped afterwards.
 */
public final class PostgresJournals implements BeforeEachCallback, AfterEachCallback {

    /** One test's journal database, and the 0600 credentials file hosts read to reach it. */
    public record Journal(PostgresServer.Database database, Path credentialsFile) {

        /** The lines of a host's config.yml that put its journal here. */
        public List<String> configLines() {
            return List.of("journal_url: " + database.url(), "journal_credentials: " + credentialsFile);
        }
    }

    private final java.util.function.Supplier<Path> journalDir;
    private Journal current;

    public PostgresJournals(java.util.function.Supplier<Path> journalDir) {
        this.journalDir = journalDir;
    }

    /** This test's journal database. */
    public Journal current() {
        return current;
    }

    /** A new journal database with its credentials file in {@code dir}. */
    public static Journal create(String purpose, Path dir) throws IOException {
        PostgresServer.Database db = PostgresServer.require().createDatabase(purpose);
        Files.createDirectories(dir);
        Path credentials = dir.resolve("journal-credentials-" + db.name());
        Files.writeString(credentials, "user=" + db.user() + "\npassword=" + db.password() + "\n");
        Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("rw-------"));
        return new Journal(db, credentials);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        Path dir = journalDir.get();
        current = create(context.getRequiredTestMethod().getName(), dir.getParent());
        Hosts.onPostgres(dir, current);
    }

    /**
     * As if the server dropped the lock connection of the host named {@code host} and another host took the name before
     * it could take it back: ends the host's lock connection and takes its lock on {@code intruder}, once it is free. Only
     * on the intruder's database, whose locks these are: test classes run two at a time, and another's host of the same
     * name on another database lost its connection too (SeveralHostsCommandLineTest failed once in CI so).
     */
    public static void takeHostName(java.sql.Connection intruder, String host) throws java.sql.SQLException {
        try (java.sql.PreparedStatement end = intruder.prepareStatement(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE ? AND datname = current_database()");
             java.sql.PreparedStatement lock = intruder.prepareStatement("SELECT pg_try_advisory_lock(?, hashtext(?))")) {
            end.setString(1, "multiproc host " + host + " (%");
            end.execute();
            lock.setInt(1, 0x6d70726f); // the key class of hosts' names ("mpro")
            lock.setString(2, host);
            org.awaitility.Awaitility.await("the lock of host " + host + " to be free").atMost(java.time.Duration.ofSeconds(60))
                    .pollInterval(java.time.Duration.ofMillis(10)).until(() -> {
                        try (java.sql.ResultSet rs = lock.executeQuery()) {
                            return rs.next() && rs.getBoolean(1);
                        }
                    });
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        Hosts.offPostgres(journalDir.get());
        if (current != null) {
            current.database().close();
            Files.deleteIfExists(current.credentialsFile());
        }
    }
}
