package dev.multiproc.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The journal writer's writing of a large array's rows after its submit ({@link ArrayFill}), on a real H2 file. */
class ArrayFillTest extends WriterTest {
    private static final int STEPS = 8_000;

    private static JobRow array(long jobId, int steps) {
        return new JobRow(jobId, "array" + jobId, "true", "{}", 1, null, null, null, null, steps, System.currentTimeMillis(), 1, null,
                null);
    }

    private static long writerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("multiproc-journal-writer") && t.isAlive()).count();
    }

    private int count(String sql) {
        return journal.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Integer.class).one());
    }

    @Test
    void workCommittedWithTheSubmitOfAnArrayFindsEveryStepsRow() throws Exception {
        open(tmp.resolve("journal"));
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Object> held = writer.call(h -> {
            holding.countDown();
            return release.await(30, TimeUnit.SECONDS);
        });
        assertTrue(holding.await(30, TimeUnit.SECONDS));
        // queued while the writer is busy: the submit and the call share the next commit
        CompletableFuture<Void> submit = writer.submit(array(1, STEPS));
        CompletableFuture<Integer> rowsSeen = writer.call(h -> h.createQuery("SELECT COUNT(*) FROM task").mapTo(Integer.class).one());
        release.countDown();
        held.join();
        submit.join();
        assertEquals(STEPS, rowsSeen.join(), "the call's work ran after every step had its row");
        assertEquals(0, count("SELECT COUNT(*) FROM array_fill"));
    }

    @Test
    void aHostThatCannotWriteTheRowsAnEarlierOneLeftFailsToOpenAndLeavesNoWriterRunning() throws Exception {
        open(tmp.resolve("journal"));
        writer.submit(array(1, STEPS)).join();
        writer.close();
        writer = null;
        // the rows an earlier host left, as the journal says; and one in the way of the first of them
        journal.jdbi().useHandle(h -> {
            h.execute("DELETE FROM task WHERE step >= 3000");
            h.execute("MERGE INTO array_fill (job_id, next_step) KEY (job_id) VALUES (1, 2999)");
        });
        long writersBefore = writerThreads();
        JournalException e = assertThrows(JournalException.class, () -> new JournalWriter(journal, 100, 1));
        assertTrue(e.getMessage().contains("cannot write the task rows of array steps an earlier host left unwritten"), e.getMessage());
        assertEquals(writersBefore, writerThreads(), "the failed writer's thread ended before the error reached its opener");
    }

    /**
     * A lenient repair (the file fell back to a generation before the redo log's first) replays the part of an array's
     * rows that a later session wrote, while the parts written before it were in the lost records: it writes those
     * steps too, where it used to leave them without a row, queued to nobody and reported by nothing.
     */
    @Test
    void aRepairThatReplaysALaterPartOfAnArrayLeavesNoStepOfTheLostPartsWithoutARow() throws Exception {
        Path dir = tmp.resolve("journal");
        open(dir);
        writer.submit(array(1, 12_000)).join();
        closeBoth();
        leaveRowsUpTo(dir, 2_000);
        Path older = tmp.resolve("older.mv.db");
        Files.copy(dir.resolve("journal.mv.db"), older); // the file as H2 might fall back to it: steps 2,000 on unwritten
        open(dir); // a session writes steps 2,000 on: these records are lost with the next session's new redo log
        closeBoth();
        leaveRowsUpTo(dir, 7_000);
        open(dir); // the next session writes steps 7,000 on, in its redo log
        closeBoth();
        Files.copy(older, dir.resolve("journal.mv.db"), StandardCopyOption.REPLACE_EXISTING);

        open(dir);
        RepairReport repair = journal.repairAtOpen().orElseThrow();
        assertEquals(RepairReport.Kind.REBUILT, repair.kind(), repair.details());
        assertEquals(12_000, count("SELECT COUNT(DISTINCT step) FROM task WHERE job_id = 1 AND step BETWEEN 0 AND 11999"));
        assertEquals(12_000, count("SELECT COUNT(*) FROM task WHERE job_id = 1"));
        assertEquals(0, count("SELECT COUNT(*) FROM array_fill"));
        assertTrue(count("SELECT CAST(meta_value AS INTEGER) FROM journal_meta WHERE meta_key = '" + JournalMeta.UNCERTAIN_BELOW_JOB + "'") > 1,
                "the array's unfinished steps are uncertain: recovery reports those without a state file lost, and runs none again");
    }

    private void closeBoth() {
        writer.close();
        writer = null;
        journal.close();
        journal = null;
    }

    /** Leaves the array's rows below {@code step} only, as a host that wrote no more would have (not a recorded commit). */
    private static void leaveRowsUpTo(Path dir, int step) {
        Journal j = Journal.open(JournalDirectory.prepare(dir));
        try {
            j.jdbi().useHandle(h -> {
                h.execute("DELETE FROM task WHERE job_id = 1 AND step >= ?", step);
                h.execute("MERGE INTO array_fill (job_id, next_step) KEY (job_id) VALUES (1, ?)", step);
            });
        } finally {
            j.close();
        }
    }
}
