package dev.multiproc.journal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only writer of the journal: one thread that commits everything queued since its last commit
 * in one transaction (group commit).
 *
 * <p>Two kinds of work arrive. <em>Durable</em> requests (submissions, pops, recovery) have a caller
 * waiting for the commit; they are committed at once and fail with the transaction. <em>Background</em>
 * rows (a task started, a task ended) have nobody waiting: the task's state file is the truth until
 * they are committed, so they wait a few milliseconds to share a commit, and a failed commit keeps them
 * for the next attempt instead of dropping them.
 */
public final class JournalWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JournalWriter.class);
    private static final long BACKGROUND_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long COMPACTION_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MAX_BACKOFF_MS = 2_000;

    private final JournalStore journal;
    private final int exitInfoLimit;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Thread thread;
    private final ArrayFill arrays = new ArrayFill();
    private CommitBatch pending = new CommitBatch();
    private long generation;
    private long lastCompactionCheck = System.nanoTime();
    private long nextJobId;
    private final String host;
    private final String ownExitInfo;
    private long exitSeq;
    private long committedExitSeq;
    private boolean closing;
    private volatile boolean abandoned;
    private int failuresInARow;

    public JournalWriter(JournalStore journal, int exitInfoLimit, long nextJobId) {
        this(journal, exitInfoLimit, nextJobId, "", HostScope.WHOLE_JOURNAL);
    }

    /** A writer for {@code host}, whose exit information ({@code scope}'s) it numbers and bounds. */
    JournalWriter(JournalStore journal, int exitInfoLimit, long nextJobId, String host, HostScope scope) {
        this.journal = journal;
        this.exitInfoLimit = exitInfoLimit;
        this.generation = journal.generationAtOpen();
        this.nextJobId = nextJobId;
        this.host = host;
        this.ownExitInfo = scope.rows("exit_info");
        this.exitSeq = journal.jdbi().withExtension(ExitInfoDao.class, d -> d.lastSeq(ownExitInfo));
        journal.jdbi().useHandle(h -> arrays.load(h, scope));
        boolean leftByAnEarlierHost = arrays.pending();
        this.thread = new Thread(this::run, "multiproc-journal-writer");
        this.thread.setDaemon(true);
        this.thread.start();
        if (leftByAnEarlierHost) {
            log.info("writing the task rows of array steps that an earlier host journaled but had not written yet");
            try {
                flush(); // before anyone looks for the unfinished tasks
            } catch (RuntimeException e) {
                abandoned = true; // else the thread would go on trying, against a journal its opener closes
                close();
                throw new JournalException("cannot write the task rows of array steps an earlier host left unwritten: "
                        + Journal.rootMessage(e), e);
            }
        }
    }

    /** Journals a submission; the future completes when its rows are durable. */
    public CompletableFuture<Void> submit(JobRow job) {
        CompletableFuture<Object> done = new CompletableFuture<>();
        enqueue(b -> {
            b.durable.add(new CommitBatch.Durable(job, null, done));
            b.nextJobId = Math.max(b.nextJobId, job.jobId() + 1);
        });
        return done.thenApply(ignored -> null);
    }

    /** Journals many submissions in one commit; the future completes when all their rows are durable. */
    public CompletableFuture<Void> submitAll(List<JobRow> jobs) {
        if (jobs.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Object> done = new CompletableFuture<>();
        enqueue(b -> {
            for (int i = 0; i < jobs.size(); i++) {
                // one future for all: the rows commit or fail together
                b.durable.add(new CommitBatch.Durable(jobs.get(i), null, i == jobs.size() - 1 ? done : new CompletableFuture<>()));
                b.nextJobId = Math.max(b.nextJobId, jobs.get(i).jobId() + 1);
            }
        });
        return done.thenApply(ignored -> null);
    }

    /** Runs {@code work} in the next commit, after the rows queued before it; completes with its result once durable. */
    public <T> CompletableFuture<T> call(HandleCallback<T, Exception> work) {
        CompletableFuture<T> done = new CompletableFuture<>();
        @SuppressWarnings("unchecked")
        HandleCallback<Object, Exception> erased = (HandleCallback<Object, Exception>) (HandleCallback<?, Exception>) work;
        @SuppressWarnings("unchecked")
        CompletableFuture<Object> erasedDone = (CompletableFuture<Object>) (CompletableFuture<?>) done;
        enqueue(b -> b.durable.add(new CommitBatch.Durable(null, erased, erasedDone)));
        return done;
    }

    /** Waits until everything queued before this call is durable, and every array step has its task row. */
    public void flush() {
        call(h -> null).join();
    }

    public void started(TaskStartRow row) {
        enqueue(b -> b.starts.add(row));
    }

    /** A task ended; {@code afterCommit} runs once the end is durable (it deletes the task's state file). */
    public void ended(TaskEndRow row, ExitInfoRow exitInfo, Runnable afterCommit) {
        enqueue(b -> {
            b.ends.add(row);
            if (exitInfo != null) {
                b.exitInfos.add(exitInfo);
            }
            if (afterCommit != null) {
                b.afterCommit.add(afterCommit);
            }
        });
    }

    /** A task could not start: its end row (state ERROR) and the error the host will pop. */
    public void queueingError(TaskEndRow row, QueueingErrorRow error, Runnable afterCommit) {
        enqueue(b -> {
            b.ends.add(row);
            b.queueingErrors.add(error);
            if (afterCommit != null) {
                b.afterCommit.add(afterCommit);
            }
        });
    }

    private void enqueue(java.util.function.Consumer<CommitBatch> add) {
        lock.lock();
        try {
            if (closing) {
                throw new IllegalStateException("the journal writer is closed");
            }
            boolean wasEmpty = pending.isEmpty();
            int durable = pending.durable.size();
            add.accept(pending);
            if (wasEmpty || pending.durable.size() > durable) {
                // background rows that join a batch already waiting for its window need not wake the writer
                work.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (true) {
            CommitBatch batch;
            lock.lock();
            try {
                if (abandoned) {
                    return;
                }
                while (pending.isEmpty() && !arrays.pending() && !closing) {
                    work.awaitUninterruptibly();
                }
                if (pending.isEmpty() && !arrays.pending()) {
                    return;
                }
                if (pending.durable.isEmpty() && !closing && !arrays.pending()) {
                    long left = BACKGROUND_WINDOW_NANOS;
                    while (left > 0 && pending.durable.isEmpty() && !closing) {
                        try {
                            left = work.awaitNanos(left);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            break;
                        }
                    }
                }
                batch = pending;
                pending = new CommitBatch();
            } finally {
                lock.unlock();
            }
            commit(batch);
            compactIfDue();
        }
    }

    /**
     * Every so often, between commits (no write in flight), lets the journal compact its file if it has
     * grown, and checkpoint its redo log when it has grown or the database was just reopened.
     */
    private void compactIfDue() {
        long now = System.nanoTime();
        if (failuresInARow > 0 || now - lastCompactionCheck < COMPACTION_CHECK_NANOS) {
            return;
        }
        lastCompactionCheck = now;
        boolean reopened = journal.compactIfGrown();
        journal.checkpointIfDue(generation, reopened);
    }

    private void commit(CommitBatch batch) {
        long nextGeneration = generation + 1;
        List<Object> results = new ArrayList<>(batch.durable.size());
        try {
            journal.writeTransaction(h -> apply(h, batch, nextGeneration, results));
        } catch (Exception e) {
            arrays.rolledBack();
            onFailure(batch, e);
            return;
        }
        arrays.committed();
        generation = nextGeneration;
        exitSeq = committedExitSeq;
        if (batch.nextJobId > nextJobId) {
            nextJobId = batch.nextJobId;
        }
        try {
            journal.committed(generation);
        } catch (IOException e) {
            log.warn("cannot record journal generation {}: {}", generation, e.toString());
        }
        if (failuresInARow > 0) {
            log.info("journal writes succeed again after {} failed attempts", failuresInARow);
            failuresInARow = 0;
        }
        for (int i = 0; i < batch.durable.size(); i++) {
            batch.durable.get(i).done().complete(results.get(i));
        }
        for (Runnable r : batch.afterCommit) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.warn("after-commit action failed: {}", e.toString());
            }
        }
    }

    private void apply(Handle h, CommitBatch batch, long nextGeneration, List<Object> results) throws Exception {
        List<JobRow> jobs = new ArrayList<>();
        List<Long> singles = new ArrayList<>();
        for (CommitBatch.Durable d : batch.durable) {
            if (d.job() != null) {
                jobs.add(d.job());
                if (d.job().arrayLength() == null) {
                    singles.add(d.job().jobId());
                }
            }
        }
        TaskDao tasks = h.attach(TaskDao.class);
        if (!jobs.isEmpty()) {
            tasks.insertJobs(jobs);
            List<JobRow> withEnvironment = jobs.stream().filter(j -> j.environment() != null).toList();
            if (!withEnvironment.isEmpty()) {
                tasks.insertEnvironments(withEnvironment);
            }
            if (!singles.isEmpty()) {
                tasks.insertSingleTasks(singles);
            }
            for (JobRow job : jobs) {
                if (job.arrayLength() != null) {
                    arrays.submitted(h, job.jobId(), job.arrayLength());
                }
            }
        }
        if (arrays.active()) {
            writeArraySteps(h, batch, jobs.isEmpty());
        }
        if (!batch.starts.isEmpty()) {
            List<TaskStartRow> starts = batch.starts;
            if (!batch.ends.isEmpty()) {
                // a task that started and ended within one commit needs only its end row: it carries the start
                java.util.Set<String> ended = new java.util.HashSet<>();
                for (TaskEndRow end : batch.ends) {
                    ended.add(end.taskId());
                }
                starts = new ArrayList<>(batch.starts.size());
                for (TaskStartRow start : batch.starts) {
                    if (!ended.contains(start.taskId())) {
                        starts.add(start);
                    }
                }
            }
            if (!starts.isEmpty()) {
                tasks.markStarted(starts);
            }
        }
        if (!batch.ends.isEmpty()) {
            tasks.markEnded(batch.ends);
        }
        long seq = exitSeq;
        if (!batch.exitInfos.isEmpty()) {
            // numbered all, written only the newest exitInfoLimit: the prune below would delete the others (a stop() that
            // ends 50,000 queued tasks wrote and deleted 49,000 rows)
            int skipped = Math.max(0, batch.exitInfos.size() - exitInfoLimit);
            List<ExitInfoRow> numbered = new ArrayList<>(batch.exitInfos.size() - skipped);
            seq += skipped;
            for (ExitInfoRow row : batch.exitInfos.subList(skipped, batch.exitInfos.size())) {
                numbered.add(row.withSeq(++seq));
            }
            ExitInfoDao exitInfo = h.attach(ExitInfoDao.class);
            exitInfo.insert(numbered, host);
            if (seq > exitInfoLimit) {
                exitInfo.prune(seq - exitInfoLimit, ownExitInfo);
            }
        }
        if (!batch.queueingErrors.isEmpty()) {
            h.attach(QueueingErrorDao.class).insert(batch.queueingErrors);
        }
        for (CommitBatch.Durable d : batch.durable) {
            results.add(d.work() == null ? null : d.work().withHandle(h));
        }
        journal.stampCommit(h, batch.nextJobId > nextJobId ? batch.nextJobId : 0, nextGeneration);
        committedExitSeq = seq;
    }

    /** The rows of array steps this commit touches, and the next part of the arrays, or all of them for a caller. */
    private void writeArraySteps(Handle h, CommitBatch batch, boolean noSubmit) {
        List<String> touched = new ArrayList<>(batch.starts.size() + batch.ends.size());
        batch.starts.forEach(s -> touched.add(s.taskId()));
        batch.ends.forEach(e -> touched.add(e.taskId()));
        arrays.touching(h, touched);
        boolean waitedOn = batch.durable.stream().anyMatch(d -> d.work() != null);
        if (waitedOn || noSubmit) {
            arrays.advance(h, waitedOn); // a submit's commit is not made to wait for older arrays' rows
        }
    }

    private void onFailure(CommitBatch batch, Exception e) {
        failuresInARow++;
        journal.reopenAfterFailure(e);
        JournalException failure = new JournalException("journal write failed: " + Journal.rootMessage(e), e);
        if (failuresInARow == 1) {
            log.warn("journal write failed, will retry the task updates: {}", Journal.rootMessage(e));
        }
        for (CommitBatch.Durable d : batch.durable) {
            d.done().completeExceptionally(failure);
        }
        batch.durable.clear();
        batch.nextJobId = 0;
        if (journal.supplanted().isPresent()) {
            arrays.forget(); // the host that took over writes the rows at its open
            return; // no write of this host's will succeed again: another host took over its tasks, and journals them
        }
        lock.lock();
        try {
            CommitBatch newer = pending;
            batch.append(newer);
            pending = batch;
        } finally {
            lock.unlock();
        }
        if (!batch.isEmpty() || arrays.pending()) {
            long backoff = Math.min(MAX_BACKOFF_MS, 25L << Math.min(failuresInARow, 10));
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Commits what is queued, then stops the writer thread. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closing) {
                return;
            }
            closing = true;
            work.signal();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
