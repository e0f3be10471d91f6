package dev.multiproc.testing;

import dev.multiproc.MultiprocessDistributor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Distributors for tests: short grace periods and fast watching, so tests end quickly. */
public final class Hosts {
    private Hosts() {
    }

    private static final String TEST_JOURNAL_URL = "MULTIPROC_TEST_JOURNAL_URL";
    private static final String TEST_JOURNAL_CREDENTIALS = "MULTIPROC_TEST_JOURNAL_CREDENTIALS";
    private static final Map<Path, PostgresJournals.Journal> ON_POSTGRES = new ConcurrentHashMap<>();

    /** A builder of a host on the journal in {@code journalDir}: H2's, or PostgreSQL's where {@link #onPostgres} said so. */
    public static MultiprocessDistributor.Builder builder(Path journalDir, int parallelism) {
        MultiprocessDistributor.Builder b = MultiprocessDistributor.builder()
                .clusterName("test")
                .parallelism(parallelism)
                .journalDir(journalDir)
                .killGrace(Duration.ofSeconds(1))
                .watchInterval(Duration.ofMillis(20));
        PostgresJournals.Journal pg = ON_POSTGRES.get(journalDir.toAbsolutePath());
        if (pg != null) {
            return b.journalUrl(pg.database().url()).journalCredentials(pg.credentialsFile());
        }
        // a host JVM a test started (HostProcess) for a journal on PostgreSQL
        String url = System.getenv(TEST_JOURNAL_URL);
        return url == null ? b : b.journalUrl(url).journalCredentials(Path.of(System.getenv(TEST_JOURNAL_CREDENTIALS)));
    }

    /** What a host JVM started for {@code journalDir} needs in its environment to find its journal on PostgreSQL. */
    public static Map<String, String> hostEnvironment(Path journalDir) {
        PostgresJournals.Journal pg = ON_POSTGRES.get(journalDir.toAbsolutePath());
        return pg == null ? Map.of() : Map.of(TEST_JOURNAL_URL, pg.database().url(), TEST_JOURNAL_CREDENTIALS, pg.credentialsFile().toString());
    }

    /** From now on, hosts on {@code journalDir} keep their journal in this PostgreSQL database. */
    public static void onPostgres(Path journalDir, PostgresJournals.Journal journal) {
        ON_POSTGRES.put(journalDir.toAbsolutePath(), journal);
    }

    public static void offPostgres(Path journalDir) {
        ON_POSTGRES.remove(journalDir.toAbsolutePath());
    }

    public static MultiprocessDistributor open(Path journalDir, int parallelism) {
        return builder(journalDir, parallelism).build();
    }

    /**
     * Runs {@code command} as task 1 of a new journal in {@code journalDir}, in this JVM: the journal a first host
     * leaves, for a test whose subject is what comes after (a command-line host would cost a JVM).
     */
    public static void journalWithOneTaskRun(Path journalDir, String command) throws InterruptedException {
        try (MultiprocessDistributor d = open(journalDir, 1)) {
            d.start();
            d.submitToBatchDistributor(command, "one", java.util.Map.of());
            if (!d.engine().awaitIdle(Duration.ofSeconds(60))) {
                throw new AssertionError("the task did not end: " + command);
            }
        }
    }

    /** The journal's database, to look inside it with SQL in a test. */
    public static org.jdbi.v3.core.Jdbi jdbi(MultiprocessDistributor d) {
        return ((dev.multiproc.journal.SqlTaskJournal) d.engine().journal()).store().jdbi();
    }

    public static dev.multiproc.journal.Journal database(MultiprocessDistributor d) {
        return ((dev.multiproc.journal.H2TaskJournal) d.engine().journal()).database();
    }
}
