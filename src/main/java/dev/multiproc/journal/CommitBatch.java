package dev.multiproc.journal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jdbi.v3.core.HandleCallback;

/** What the {@link JournalWriter} commits next: the work queued since its last commit. */
final class CommitBatch {
    /** A submission ({@code job}) or other work ({@code work}) whose caller waits for {@code done}. */
    record Durable(JobRow job, HandleCallback<Object, Exception> work, CompletableFuture<Object> done) {
    }

    final List<Durable> durable = new ArrayList<>();
    final List<TaskStartRow> starts = new ArrayList<>();
    final List<TaskEndRow> ends = new ArrayList<>();
    final List<ExitInfoRow> exitInfos = new ArrayList<>();
    final List<QueueingErrorRow> queueingErrors = new ArrayList<>();
    final List<Runnable> afterCommit = new ArrayList<>();
    long nextJobId;

    boolean isEmpty() {
        return durable.isEmpty() && starts.isEmpty() && ends.isEmpty() && exitInfos.isEmpty()
                && queueingErrors.isEmpty() && afterCommit.isEmpty();
    }

    /** Adds what {@code newer} holds after what this one holds. */
    void append(CommitBatch newer) {
        durable.addAll(newer.durable);
        starts.addAll(newer.starts);
        ends.addAll(newer.ends);
        exitInfos.addAll(newer.exitInfos);
        queueingErrors.addAll(newer.queueingErrors);
        afterCommit.addAll(newer.afterCommit);
        nextJobId = Math.max(nextJobId, newer.nextJobId);
    }
}
