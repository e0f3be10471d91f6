package dev.multiproc.core;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The queued tasks of one job. An array of 100,000 steps is one bit set, not 100,000 objects; a
 * single task is bit 0. Attempts are only stored for tasks recovery requeued (all others are 0).
 */
final class QueuedJob {
    final JobSpec spec;
    private final BitSet pending;
    private int count;
    private Map<Integer, Integer> attempts;

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

    /** Adds one task (recovery), with its attempt number. */
    void add(Integer step, int attempt) {
        int bit = bit(step);
        if (!pending.get(bit)) {
            pending.set(bit);
            count++;
        }
        if (attempt != 0) {
            if (attempts == null) {
                attempts = new HashMap<>();
            }
            attempts.put(bit, attempt);
        }
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
        Integer attempt = attempts == null ? null : attempts.remove(bit);
        return new QueuedTask(spec, spec.isArray() ? bit : null, attempt == null ? 0 : attempt);
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
        Integer attempt = attempts == null ? null : attempts.remove(bit);
        return new QueuedTask(spec, step, attempt == null ? 0 : attempt);
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
