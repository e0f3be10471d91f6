package dev.multiproc.core;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The queued tasks of one job. An array of 100,000 steps is one bit set, not 100,000 objects; a
 * single task is bit 0. Only tasks that are not a first attempt carry more: those requeued by recovery
 * (with the attempt to claim first), and those put back after a start that failed for want of a resource.
 */
final class QueuedJob {
    final JobSpec spec;
    private final BitSet pending;
    private int count;
    /** Tasks other than a first attempt, by bit. */
    private Map<Integer, QueuedTask> retries;

    private QueuedJob(JobSpec spec, BitSet pending) {
        this.spec = spec;
        this.pending = pending;
        this.count = pending.cardinality();
    }

    static QueuedJob all(JobSpec spec) {
        BitSet bits = new BitSet(spec.isArray() ? spec.arrayLength() : 1);
        bits.set(0, spec.isArray() ? spec.arrayLength() : 1);
        return new QueuedJob(spec, bits);
    }

    static QueuedJob none(JobSpec spec) {
        return new QueuedJob(spec, new BitSet());
    }

    /** Adds a task requeued by recovery: attempt {@code claim} must be claimed before the next one runs. */
    void addRequeued(Integer step, int claim) {
        add(new QueuedTask(spec, step, claim, true));
    }

    /** Adds a task as it is (a task taken from the queue and put back); returns whether it was not queued yet. */
    boolean add(QueuedTask task) {
        int bit = bit(task.step());
        boolean added = !pending.get(bit);
        if (added) {
            pending.set(bit);
            count++;
        }
        if (task.attempt() != 0 || task.claimFirst()) {
            if (retries == null) {
                retries = new HashMap<>();
            }
            retries.put(bit, task);
        } else if (retries != null) {
            retries.remove(bit);
        }
        return added;
    }

    /** Takes over the queued tasks of {@code other}, a later entry for the same job; returns how many were new. */
    int absorb(QueuedJob other) {
        int added = 0;
        for (int bit = other.pending.nextSetBit(0); bit >= 0; bit = other.pending.nextSetBit(bit + 1)) {
            if (!pending.get(bit)) {
                pending.set(bit);
                count++;
                added++;
            }
            QueuedTask retry = other.retries == null ? null : other.retries.get(bit);
            if (retry != null) {
                if (retries == null) {
                    retries = new HashMap<>();
                }
                retries.put(bit, retry);
            }
        }
        return added;
    }

    boolean isEmpty() {
        return count == 0;
    }

    int size() {
        return count;
    }

    /** Takes the lowest queued step. */
    QueuedTask take() {
        int bit = pending.nextSetBit(0);
        pending.clear(bit);
        count--;
        return task(bit, spec.isArray() ? bit : null);
    }

    private QueuedTask task(int bit, Integer step) {
        QueuedTask retry = retries == null ? null : retries.remove(bit);
        return retry != null ? retry : new QueuedTask(spec, step, 0, false);
    }

    boolean contains(Integer step) {
        int bit = bitOrMinus(step);
        return bit >= 0 && pending.get(bit);
    }

    /** Removes a queued task; returns it, or null when it was not queued. */
    QueuedTask remove(Integer step) {
        int bit = bitOrMinus(step);
        if (bit < 0 || !pending.get(bit)) {
            return null;
        }
        pending.clear(bit);
        count--;
        return task(bit, step);
    }

    void forEachId(Consumer<String> out) {
        if (!spec.isArray()) {
            if (count > 0) {
                out.accept(Long.toString(spec.jobId()));
            }
            return;
        }
        String prefix = spec.jobId() + "_";
        for (int b = pending.nextSetBit(0); b >= 0; b = pending.nextSetBit(b + 1)) {
            out.accept(prefix + b);
        }
    }

    private int bit(Integer step) {
        return step == null ? 0 : step;
    }

    private int bitOrMinus(Integer step) {
        if (spec.isArray()) {
            return step == null || step < 0 || step >= spec.arrayLength() ? -1 : step;
        }
        return step == null ? 0 : -1;
    }
}
