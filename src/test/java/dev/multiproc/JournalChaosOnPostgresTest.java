package dev.multiproc;

import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.PostgresJournals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

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

    /** Half the H2 version's kills: the slow tier's whole run stays within its budget with both journals. */
    @Override
    @Test
    @Tag("slow")
    void runsKilledHundredsOfTimesOnSeveralJournalsRunEveryLineOnce() throws Exception {
        killRuns(2, 12, 3_500);
    }

    @Override
    @Test
    @Tag("slow")
    void hostsKilledHundredsOfTimesOnSeveralJournalsKeepEveryAcknowledgedSubmission() throws Exception {
        killSubmittingHosts(2, 15, 1_500);
    }

    @AfterEach
    void dropDatabases() {
        onPostgres.forEach(Hosts::offPostgres);
        databases.forEach(db -> db.database().close());
    }
}
