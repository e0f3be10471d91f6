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
@Tag("slow") // PostgreSQL journals; CI runs the slow tier with the server up (the default tier stays under 90 s)
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

    /** About half the H2 version's kills: the whole CI run stays within its 30 minutes with both journals. */
    @Override
    @Test
    @Tag("slow")
    void runsKilledDozensOfTimesOnSeveralJournalsRunEveryLineOnce() throws Exception {
        killRuns(2, 8, 3_500);
    }

    @Override
    @Test
    @Tag("slow")
    void hostsKilledDozensOfTimesOnSeveralJournalsKeepEveryAcknowledgedSubmission() throws Exception {
        killSubmittingHosts(2, 10, 1_500);
    }

    @AfterEach
    void dropDatabases() {
        onPostgres.forEach(Hosts::offPostgres);
        databases.forEach(db -> db.database().close());
    }
}
