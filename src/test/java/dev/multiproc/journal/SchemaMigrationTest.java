package dev.multiproc.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A schema migration is all or nothing: H2 commits each DDL statement by itself, and a host killed in the
 * middle of a migration done in place left a journal no later host could open ("Table RUN already exists").
 */
class SchemaMigrationTest {
    @TempDir
    Path tmp;

    /** Opens new journals, one after another, until killed: args ROOT. */
    public static final class OpenNewJournals {
        public static void main(String[] args) {
            for (int i = 0; ; i++) {
                Journal.open(JournalDirectory.prepare(Path.of(args[0]).resolve("j" + i)), false).close();
                System.out.println(i);
            }
        }
    }

    @Test
    void newJournalsKilledWhileTheyAreCreatedAllOpen() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int kill = 0; kill < 3; kill++) {
            Path root = tmp.resolve("kill-" + kill);
            Files.createDirectories(root);
            Process p = new ProcessBuilder(dev.multiproc.testing.Jvm.command("-cp", System.getProperty("java.class.path"), "-Xmx128m",
                    OpenNewJournals.class.getName(), root.toString()))
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("child-" + kill + ".log").toFile()).start();
            try {
                // a JVM's start-up and the first journal take a second or more; kill somewhere in what follows
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                        .until(() -> Files.exists(root.resolve("j0").resolve("journal.mv.db")));
                Thread.sleep(random.nextInt(2_000));
            } finally {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
            List<Path> journals = new ArrayList<>();
            try (Stream<Path> s = Files.list(root)) {
                s.forEach(journals::add);
            }
            assertTrue(!journals.isEmpty());
            for (Path j : journals) {
                try (Journal opened = Journal.open(JournalDirectory.prepare(j), false)) {
                    assertEquals(0, opened.generationAtOpen(), j + " (seed " + seed + ")");
                }
            }
        }
    }

    @Test
    void aJournalLeftHalfMigratedWithNoCommitIsCreatedAnewAndTheOldFileKept() throws Exception {
        JournalDirectory dir = JournalDirectory.prepare(tmp.resolve("journal"));
        JournalCredentials credentials = JournalCredentials.loadOrCreate(dir.credentialsFile(), false);
        DatabaseFile file = new DatabaseFile(dir.databaseBase(), credentials);
        try (Connection c = file.dataSource().getConnection(); Statement s = c.createStatement()) {
            Journal.migrate(file.dataSource(), "1");
            s.execute("CREATE TABLE run (run_id BIGINT PRIMARY KEY)"); // the first statement of V2, as a killed host left it
        }
        try (Journal opened = Journal.open(dir, false)) {
            opened.jdbi().useHandle(h -> h.createQuery("SELECT COUNT(*) FROM runs").mapTo(Long.class).one());
        }
        try (Stream<Path> s = Files.list(dir.root().resolve("damaged"))) {
            Path evidence = s.findFirst().orElseThrow();
            assertTrue(Files.exists(evidence.resolve("journal.mv.db")));
            assertTrue(Files.readString(evidence.resolve("REPAIR.txt")).contains("RUN"), "the reason is kept");
        }
    }

    @Test
    void aJournalWhoseAppliedMigrationDiffersFromThisVersionsIsRefusedWithNoMigrationPending() throws Exception {
        JournalDirectory dir = JournalDirectory.prepare(tmp.resolve("journal"));
        Journal.open(dir, false).close();
        JournalCredentials credentials = JournalCredentials.load(dir.credentialsFile());
        DatabaseFile file = new DatabaseFile(dir.databaseBase(), credentials);
        try (Connection c = file.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("UPDATE \"flyway_schema_history\" SET \"checksum\" = \"checksum\" + 1 WHERE \"version\" = '2'");
            s.execute("SHUTDOWN");
        }
        JournalException e = org.junit.jupiter.api.Assertions.assertThrows(JournalException.class, () -> Journal.open(dir, false));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    }

    @Test
    void aMigrationThatFailsLeavesTheJournalAsItWas() throws Exception {
        JournalDirectory dir = JournalDirectory.prepare(tmp.resolve("journal"));
        JournalCredentials credentials = JournalCredentials.loadOrCreate(dir.credentialsFile(), false);
        DatabaseFile file = new DatabaseFile(dir.databaseBase(), credentials);
        try (Connection c = file.dataSource().getConnection(); Statement s = c.createStatement()) {
            Journal.migrate(file.dataSource(), "3");
            s.execute("UPDATE journal_meta SET meta_value = 7 WHERE meta_key = 'generation'");
            s.execute("CREATE VIEW journal_repairs AS SELECT 1 AS x"); // V4 creates its table, then fails on its view
            s.execute("SHUTDOWN");
        }
        String before = schemaOf(file);
        JournalException e = org.junit.jupiter.api.Assertions.assertThrows(JournalException.class, () -> Journal.open(dir, false));
        assertTrue(e.getMessage().contains("JOURNAL_REPAIRS"), e.getMessage());
        assertEquals(before, schemaOf(file), "the journal's schema is as it was");
        assertTrue(Files.exists(dir.databaseFile()) && !Files.exists(dir.root().resolve("damaged")), "a journal with commits is never moved aside");
    }

    /** The tables, views and applied migrations of a database file. */
    private static String schemaOf(DatabaseFile file) throws Exception {
        StringBuilder b = new StringBuilder();
        try (Connection c = file.dataSource().getConnection(); Statement s = c.createStatement()) {
            for (String q : List.of("SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'PUBLIC' ORDER BY 1",
                    "SELECT \"version\" FROM \"flyway_schema_history\" ORDER BY 1",
                    "SELECT meta_value FROM journal_meta WHERE meta_key = 'generation'")) {
                try (var rs = s.executeQuery(q)) {
                    while (rs.next()) {
                        b.append(rs.getString(1)).append(' ');
                    }
                }
                b.append('\n');
            }
        }
        return b.toString();
    }
}
