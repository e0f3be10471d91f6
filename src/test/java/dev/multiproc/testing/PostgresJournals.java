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

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        Hosts.offPostgres(journalDir.get());
        if (current != null) {
            current.database().close();
            Files.deleteIfExists(current.credentialsFile());
        }
    }
}
