package dev.multiproc.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.testing.StandardErrorCapture;
import dev.multiproc.testing.Tmpfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The journal writer when a commit fails, on a real H2 file: the callers waiting for that commit get an error
 * that says the write failed and why; the task starts and ends in it, which nobody waits for, are kept and
 * committed once the journal can write again (the database is reopened when H2 closed it); and nothing
 * that was acknowledged is lost, in the open journal or after it is opened again.
 */
class JournalWriterFailureTest extends WriterTest {
    private static final int SESSION = 1;

    private static JobRow single(long jobId) {
        return new JobRow(jobId, "job" + jobId, "true", "{}", 1, null, null, null, null, null, System.currentTimeMillis(), SESSION, null, null);
    }

    private static JobRow array(long jobId, int steps) {
        return new JobRow(jobId, "array" + jobId, "true", "{}", 1, null, null, null, null, steps, System.currentTimeMillis(), SESSION, null,
                null);
    }

    private static TaskStartRow started(String taskId) {
        long now = System.currentTimeMillis();
        return new TaskStartRow(taskId, 0, 4242L, 99L, now, now, SESSION);
    }

    private static TaskEndRow ended(String taskId, int exitCode) {
        long now = System.currentTimeMillis();
        return new TaskEndRow(taskId, 0, exitCode == 0 ? "DONE" : "FAILED", 4242L, 99L, now, now, now, exitCode, null, "exit", "U",
                "Process exited with code " + exitCode, 10L, 100L, SESSION);
    }

    private static ExitInfoRow exitInfo(String taskId, int exitCode) {
        return new ExitInfoRow(taskId, "U", "Process exited with code " + exitCode, System.currentTimeMillis());
    }

    /** The error a caller gets from a failed commit. */
    private static JournalException failure(CompletableFuture<?> commit) {
        CompletionException e = assertThrows(CompletionException.class, commit::join, "the commit was to fail");
        assertTrue(e.getCause() instanceof JournalException, "not a JournalException: " + e.getCause());
        return (JournalException) e.getCause();
    }

    private List<String> column(String sql) {
        return journal.jdbi().withHandle(h -> h.createQuery(sql).mapTo(String.class).list());
    }

    @Test
    void aDatabaseClosedUnderACommitFailsItsCallersKeepsItsTaskUpdatesAndIsReopened() throws Exception {
        open(tmp.resolve("journal"));
        writer.submit(single(1)).join();
        writer.submit(single(2)).join();

        AtomicBoolean endCommitted = new AtomicBoolean();
        CountDownLatch hold = new CountDownLatch(1);
        CompletableFuture<Object> holding;
        CompletableFuture<Void> lost;
        CompletableFuture<Object> shutdown;
        try (StandardErrorCapture log = StandardErrorCapture.start()) {
            // the writer is inside a commit until the latch opens: what comes meanwhile is committed together after it
            CountDownLatch inside = new CountDownLatch(1);
            holding = writer.call(h -> {
                inside.countDown();
                hold.await();
                return null;
            });
            // only once the writer is in that commit: else a loaded machine lets it take what follows into the same one
            assertTrue(inside.await(60, java.util.concurrent.TimeUnit.SECONDS), "the writer took the first call");
            writer.started(started("1"));
            writer.ended(ended("2", 3), exitInfo("2", 3), () -> endCommitted.set(true));
            lost = writer.submit(single(3));
            shutdown = writer.call(h -> h.execute("SHUTDOWN IMMEDIATELY")); // the database closes in the middle of that commit
            hold.countDown();
            holding.join();

            JournalException e = failure(shutdown);
            assertTrue(e.getMessage().startsWith("journal write failed: "), e.getMessage());
            assertTrue(e.getMessage().contains("closed"), "the reason: " + e.getMessage());
            assertEquals(e.getMessage(), failure(lost).getMessage(), "every caller of the commit is told, the same way");

            Awaitility.await("the task updates of the failed commit, committed again").atMost(Duration.ofSeconds(60))
                    .until(endCommitted::get);
            writer.submit(single(4)).join(); // the journal writes again
            assertEquals(1, log.lines("journal write failed, will retry the task updates"), log.text());
            assertTrue(log.text().contains("the journal database was closed after a write failed; reopening it"), log.text());
            assertTrue(log.text().contains("journal writes succeed again after 1 failed attempts"), log.text());
        }
        for (int reopened = 0; reopened < 2; reopened++) {
            assertEquals(List.of("1", "2", "4"), column("SELECT CAST(job_id AS VARCHAR) FROM job ORDER BY job_id"),
                    "the acknowledged submissions, and not the one whose commit failed");
            assertEquals(List.of("1 RUNNING", "2 FAILED 3", "4 QUEUED"), column(
                    "SELECT task_id || ' ' || state || COALESCE(' ' || exit_code, '') FROM task ORDER BY task_id"));
            assertEquals(List.of("2 Process exited with code 3"), column("SELECT task_id || ' ' || message FROM exit_info"));
            if (reopened == 0) {
                writer.close();
                journal.close();
                open(tmp.resolve("journal")); // and the file says the same
            }
        }
    }

    /**
     * The journal's file system fills up (a small tmpfs; mounting it needs root, else the test is skipped): the
     * submissions that need room fail with the reason, a task's end waits for space and is committed once it returns.
     */
    @Test
    void aFullDiskFailsSubmissionsClearlyAndCommitsTheKeptTaskUpdatesOnceSpaceReturns() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(tmp.resolve("small"), "size=8m")) {
            Path dir = fs.dir().resolve("journal");
            open(dir);
            List<Long> acknowledged = new ArrayList<>();
            writer.submit(array(1, 10)).join();
            acknowledged.add(1L);
            writer.started(started("1_0"));
            writer.flush();
            Path ballast = fs.fillWith("ballast");

            JournalException full = null;
            for (long job = 2; full == null; job++) {
                assertTrue(job < 200, "the full disk never failed a submission");
                try {
                    writer.submit(array(job, 2_000)).join(); // H2 may find room in its file for a while
                    acknowledged.add(job);
                } catch (CompletionException e) {
                    full = (JournalException) e.getCause();
                }
            }
            assertTrue(full.getMessage().startsWith("journal write failed: "), full.getMessage());
            assertTrue(full.getMessage().contains("No space left on device"), "the reason: " + full.getMessage());

            AtomicBoolean endCommitted = new AtomicBoolean();
            writer.ended(ended("1_0", 0), exitInfo("1_0", 0), () -> endCommitted.set(true));
            failure(writer.call(h -> null)); // a commit with the end in it failed, so the end is kept, not dropped
            assertFalse(endCommitted.get(), "committed on a full disk?");

            Files.delete(ballast);
            Awaitility.await("the task's end, committed once space returned").atMost(Duration.ofSeconds(60)).until(endCommitted::get);
            writer.flush();
            for (int reopened = 0; reopened < 2; reopened++) {
                List<String> jobs = column("SELECT CAST(job_id AS VARCHAR) FROM job ORDER BY job_id");
                assertEquals(acknowledged.stream().map(String::valueOf).toList(), jobs, "every acknowledged submission, and no other");
                assertEquals(List.of("DONE 0"), column("SELECT state || ' ' || exit_code FROM task WHERE task_id = '1_0'"));
                assertEquals(List.of("Process exited with code 0"), column("SELECT message FROM exit_info WHERE task_id = '1_0'"));
                assertEquals(List.of(Long.toString(10 + 2_000L * (acknowledged.size() - 1))), column("SELECT COUNT(*) FROM task"));
                if (reopened == 0) {
                    writer.close();
                    journal.close();
                    open(dir);
                }
            }
            writer.close();
            writer = null;
            journal.close();
            journal = null;
        }
    }
}
