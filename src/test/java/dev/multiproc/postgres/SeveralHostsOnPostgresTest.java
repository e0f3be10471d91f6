package dev.multiproc.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.journal.JournalException;
import dev.multiproc.journal.RecoveryCounts;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import dev.multiproc.testing.Leftovers;
import dev.multiproc.testing.PostgresJournals;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several named hosts on one PostgreSQL journal, in this JVM: ids unique across hosts, each host's recovery settling
 * only its own tasks, and a host gone for good adopted by another on the same machine.
 */
@Tag("slow") // PostgreSQL journals; CI runs the slow tier with the server up (the default tier stays under 90 s)
class SeveralHostsOnPostgresTest extends JournalTest {
    @RegisterExtension
    final PostgresJournals postgres = new PostgresJournals(this::journal);

    private Path betaJournal() {
        return tmp.resolve("beta-journal");
    }

    /** A host named {@code name} on this test's database, with its own journal directory (its task state files). */
    private MultiprocessDistributor.Builder host(String name, Path dir, int parallelism) {
        PostgresJournals.Journal db = postgres.current();
        return Hosts.builder(dir, parallelism).journalUrl(db.database().url()).journalCredentials(db.credentialsFile()).host(name);
    }

    @AfterEach
    void nothingLeftOfBeta() throws InterruptedException {
        Leftovers.assertNoneLeft(betaJournal(), "processes of beta left behind");
    }

    @Test
    void twoHostsShareTheJournalEachRecoversOnlyItsOwnTasksAndAGoneOneIsAdopted() throws Exception {
        List<String> alphaIds = new ArrayList<>();
        List<String> betaIds = new ArrayList<>();
        MultiprocessDistributor alpha = host("alpha", journal(), 1).build();
        try (MultiprocessDistributor beta = host("beta", betaJournal(), 2).build()) {
            alpha.start();
            beta.start();
            alphaIds.add(alpha.submitToBatchDistributor("sleep 600", "long", Map.of()));
            alphaIds.add(alpha.submitToBatchDistributor("true", "queued behind it", Map.of()));
            for (int i = 0; i < 3; i++) {
                betaIds.add(beta.submitToBatchDistributor("true", "beta " + i, Map.of()));
                alphaIds.add(alpha.submitToBatchDistributor("true", "alpha " + i, Map.of()));
            }
            betaIds.addAll(beta.submitArrayToBatchDistributor("true", "beta array", Map.of(), 4).values());
            assertTrue(beta.engine().awaitIdle(java.time.Duration.ofSeconds(60)));
            Set<String> all = new HashSet<>(alphaIds);
            all.addAll(betaIds);
            assertEquals(alphaIds.size() + betaIds.size(), all.size(), "ids unique across hosts: " + alphaIds + " " + betaIds);
            await("alpha's first task runs", () -> "RUNNING".equals(state(beta, alphaIds.get(0))));
            alpha.engine().detach(); // alpha dies: its running and queued tasks stay so in the journal
        }
        try (MultiprocessDistributor beta = host("beta", betaJournal(), 2).build()) {
            beta.start();
            RecoveryCounts counts = beta.engine().recover();
            assertEquals(0, counts.reattached() + counts.requeued() + counts.lost() + counts.finishedWhileDown() + counts.killed(),
                    "beta's recovery leaves alpha's tasks alone: " + counts);
            assertEquals("RUNNING", state(beta, alphaIds.get(0)));
            assertEquals("QUEUED", state(beta, alphaIds.get(1)));

            JournalException running = assertThrows(JournalException.class, () -> host("gamma", tmp.resolve("gamma"), 1)
                    .adoptHost("beta").build().close());
            assertTrue(running.getMessage().contains("cannot adopt host beta: a host named beta already runs"), running.getMessage());
            JournalException unknown = assertThrows(JournalException.class, () -> host("gamma", tmp.resolve("gamma"), 1)
                    .adoptHost("nobody").build().close());
            assertTrue(unknown.getMessage().contains("cannot adopt host nobody: no host of that name has used the journal"),
                    unknown.getMessage());

            // gamma takes over alpha, from alpha's journal directory (its tasks' state files)
            try (MultiprocessDistributor gamma = host("gamma", journal(), 1).adoptHost("alpha").build()) {
                gamma.start();
                RecoveryCounts adopted = gamma.engine().recover();
                assertEquals(1, adopted.reattached(), "alpha's running task is reattached: " + adopted);
                assertEquals(4, adopted.requeued(), "alpha's four queued tasks run, once: " + adopted);
                gamma.terminateTaskInstances(List.of(alphaIds.get(0)));
                assertTrue(gamma.engine().awaitIdle(java.time.Duration.ofSeconds(60)));
                gamma.engine().flushJournal();
                for (String id : alphaIds.subList(1, alphaIds.size())) {
                    assertEquals("DONE", state(beta, id), id);
                }
                assertEquals("TERMINATED", state(beta, alphaIds.get(0)));
                assertEquals(List.of("beta", "gamma"), Hosts.jdbi(beta).withHandle(h -> h.createQuery(
                        "SELECT DISTINCT host FROM host_sessions ORDER BY host").mapTo(String.class).list()), "alpha is gamma's now");
                assertEquals(List.of("gamma"), Hosts.jdbi(beta).withHandle(h -> h.createQuery(
                        "SELECT DISTINCT host FROM task_history WHERE task_id = :id").bind("id", alphaIds.get(2)).mapTo(String.class).list()));
            }
            // gamma starts again with adopt_host still in its configuration: nothing is left to take, and that is no error
            try (MultiprocessDistributor again = host("gamma", journal(), 1).adoptHost("alpha").build()) {
                again.start();
                assertEquals(0, again.engine().recover().requeued());
            }
            assertFalse(beta.getSubmittedOrRunning(betaIds).iterator().hasNext(), "beta's tasks all ended");
        }
    }

    @Test
    void eachHostBoundsItsOwnExitInformation() throws Exception {
        try (MultiprocessDistributor alpha = host("alpha", journal(), 2).exitInfoSizeLimit(3).build();
             MultiprocessDistributor beta = host("beta", betaJournal(), 2).exitInfoSizeLimit(3).build()) {
            alpha.start();
            beta.start();
            for (int i = 0; i < 5; i++) {
                alpha.submitToBatchDistributor("exit 1", "a" + i, Map.of());
                beta.submitToBatchDistributor("exit 1", "b" + i, Map.of());
            }
            assertTrue(alpha.engine().awaitIdle(java.time.Duration.ofSeconds(60)));
            assertTrue(beta.engine().awaitIdle(java.time.Duration.ofSeconds(60)));
            alpha.engine().flushJournal();
            beta.engine().flushJournal();
            assertEquals(List.of("alpha 3", "beta 3"), Hosts.jdbi(alpha).withHandle(h -> h.createQuery(
                    "SELECT host || ' ' || COUNT(*) FROM exit_info GROUP BY host ORDER BY host").mapTo(String.class).list()));
        }
    }

    @Test
    void aHostOfAnEarlierVersionKeepsHostsOfThisOneOut() throws Exception {
        // versions before named hosts held this one exclusive lock ("mproc") for as long as they ran
        try (java.sql.Connection old = postgres.current().database().connect();
             java.sql.Statement s = old.createStatement()) {
            s.execute("SELECT pg_advisory_lock(" + 0x6d70726f63L + ")");
            JournalException e = assertThrows(JournalException.class, () -> host("alpha", journal(), 1).build().close());
            assertTrue(e.getMessage().contains("a host of an earlier multiproc version"), e.getMessage());
        }
        host("alpha", journal(), 1).build().close(); // that host gone, this one starts
    }

    private static String state(MultiprocessDistributor any, String taskId) {
        return Hosts.jdbi(any).withHandle(h -> h.createQuery("SELECT state FROM task WHERE task_id = :id").bind("id", taskId)
                .mapTo(String.class).findOne().orElse(null));
    }
}
