package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.multiproc.journal.JournalException;
import dev.multiproc.testing.HostProcess;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The journal meets a bad day: another host, a newer schema, a full disk (a damaged file: {@link JournalRepairTest}). */
class JournalFaultTest extends JournalTest {

    private void journalWithHistory() {
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            for (int i = 0; i < 20; i++) {
                d.submitArrayToBatchDistributor("exit " + (i % 3), "history " + i, Map.of(), 50);
            }
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(60)));
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aJournalHeldByAnotherLiveHostIsRefusedNamingTheHolder() throws Exception {
        try (HostProcess other = HostProcess.start(journal(), 2)) {
            JournalException e = assertThrows(JournalException.class, () -> Hosts.open(journal(), 2));
            assertTrue(e.getMessage().contains("is held by another host: host pid " + other.pid()), e.getMessage());
        }
        // and once it is gone, the journal opens
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
        }
    }

    @Test
    void aJournalOfANewerSchemaIsRefusedWithTheVersionsNamed() throws Exception {
        journalWithHistory();
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            Hosts.jdbi(d).useHandle(h -> h.execute("INSERT INTO \"flyway_schema_history\" (\"installed_rank\", \"version\", "
                    + "\"description\", \"type\", \"script\", \"checksum\", \"installed_by\", \"execution_time\", \"success\") "
                    + "VALUES (99, '99', 'from the future', 'SQL', 'V99__future.sql', 0, 'test', 0, TRUE)"));
        }
        JournalException e = assertThrows(JournalException.class, () -> Hosts.open(journal(), 2));
        assertTrue(e.getMessage().contains("schema version 99") && e.getMessage().contains("newer multiproc"), e.getMessage());
        assertTrue(e.getMessage().matches(".*up to \\d+.*"), e.getMessage());
    }

    /**
     * A full disk: submits fail with a clear error, running tasks are not lost, and all goes on once
     * space returns. The journal lives on a small tmpfs the test mounts (this needs root; without it,
     * the test is skipped).
     */
    @Test
    void aFullDiskFailsSubmitsLosesNothingAndRecovers() throws Exception {
        Path mount = Files.createDirectories(tmp.resolve("small"));
        Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mount.toString()).redirectErrorStream(true).start();
        assumeTrue(m.waitFor(10, TimeUnit.SECONDS) && m.exitValue() == 0, "mounting a tmpfs needs root");
        Path journal = mount.resolve("journal");
        try (MultiprocessDistributor d = Hosts.open(journal, 2)) {
            d.start();
            List<String> done = new ArrayList<>(d.engine().submitAll(List.of("true", "true", "true"), "short", Map.of()));
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)));
            Path gate = Files.createFile(tmp.resolve("gate")); // beside the small disk, not on it
            String running = d.submitToBatchDistributor("while [ -e " + gate + " ]; do sleep 0.05; done; exit 4", "long", Map.of());
            await("the long task to run", () -> d.engine().runningCount() == 1);
            // fill the disk, leaving nothing
            Path filler = mount.resolve("filler");
            new ProcessBuilder("dd", "if=/dev/zero", "of=" + filler, "bs=1M").redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
            JournalException full = assertThrows(JournalException.class, () -> {
                for (int i = 0; i < 50; i++) { // H2 may have free space in its file for a while
                    d.submitArrayToBatchDistributor("true", "while full", Map.of(), 2000);
                }
            });
            assertTrue(full.getMessage().startsWith("the submission was not accepted"), full.getMessage());
            Files.delete(gate); // the long task ends while the disk is full
            await("the host to hear that the long task ended", () -> d.getSubmittedOrRunning(List.of(running)).isEmpty());
            Files.delete(filler);
            await("the long task's end to be journaled once space returned", () -> "FAILED".equals(journaledState(d, running)));
            String after = d.submitToBatchDistributor("exit 5", "after", Map.of());
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(60)));
            assertEquals("Process exited with code 4", d.getRemoteExitInfo(running).message(), "the task that ran through it is not lost");
            assertEquals("Process exited with code 5", d.getRemoteExitInfo(after).message());
            for (String id : done) {
                assertEquals("Process exited with code 0", d.getRemoteExitInfo(id).message());
            }
            d.engine().flushJournal();
            assertEquals("FAILED", Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT state FROM task WHERE task_id = :id")
                    .bind("id", running).mapTo(String.class).one()), "journaled once space returned");
        } finally {
            Leftovers.killAll(journal);
            new ProcessBuilder("umount", "-l", mount.toString()).start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The task's state in the journal; null while the journal cannot answer (closed after a failed write, being reopened). */
    private static String journaledState(MultiprocessDistributor d, String taskId) {
        try {
            return Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT state FROM task WHERE task_id = :id")
                    .bind("id", taskId).mapTo(String.class).one());
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static final class Leftovers {
        static void killAll(Path journal) {
            dev.multiproc.testing.Leftovers.killAll(journal);
        }
    }
}
