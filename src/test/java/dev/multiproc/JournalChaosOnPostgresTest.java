package dev.multiproc;

import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.PostgresJournals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/**
 * {@link JournalChaosTest} with each journal on a PostgreSQL database of its own: hosts and {@code multiproc run} SIGKILLed
 * again and again; every line runs once, every acknowledged submission is kept.
 */
class JournalChaosOnPostgresTest extends JournalChaosTest {
    private final List<Path> onPostgres = new ArrayList<>();
    private final List<PostgresJournals.Journal> databases = new ArrayList<>();

    /** A journal on a new database; the command line finds it through config.yml (the journals are used one after another). */
    @Override
    Path newJournal(String name) throws IOException {
        Path journal = super.newJournal(name);
        PostgresJournals.Journal db = PostgresJournals.create(name, tmp);
        databases.add(db);
        onPostgres.add(journal);
        Hosts.onPostgres(journal, db);
        Files.write(tmp.resolve("config.yml"), db.configLines());
        return journal;
    }

    @AfterEach
    void dropDatabases() {
        onPostgres.forEach(Hosts::offPostgres);
        databases.forEach(db -> db.database().close());
    }
}
