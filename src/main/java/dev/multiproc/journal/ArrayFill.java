package dev.multiproc.journal;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * The step rows of large arrays, written in parts behind their submit (table {@code array_fill}).
 *
 * <p>A submit waits for its commit. Writing the rows of a 100,000-step array took H2 one to four seconds (an insert
 * and a commit that visit every row of the task table's indexes), while what makes the submit durable is its job row:
 * {@code array_length} says which steps exist. So the submit commits the job row, the first {@link #FIRST_STEPS}
 * steps' rows and a row of {@code array_fill} saying where the rows stop; the commits that follow write
 * {@link #CHUNK_STEPS} more each, until the last removes the {@code array_fill} row. A host that opens a journal
 * with {@code array_fill} rows of its own writes the rest before it looks for unfinished tasks
 * (the {@link JournalWriter}'s constructor), so a crash in between loses no step.
 *
 * <p>Whatever a commit does to a step it has not written yet (a start, an end) first gets the step's row written in
 * that commit; so does everything a caller waits on ({@link JournalWriter#call}): a caller that then reads the task
 * table finds every step.
 *
 * <p>Used by the journal writer's thread only. Its state changes only once the commit that wrote the rows returned
 * ({@link #committed}); a failed commit leaves it as it was ({@link #rolledBack}).
 */
final class ArrayFill {
    /** Steps written with the submit: below this, an array is written whole, as before. */
    static final int FIRST_STEPS = 2_000;
    /** Steps written by each commit after it: about 120 ms of H2's time here, which the commits of starts and ends wait behind. */
    static final int CHUNK_STEPS = 5_000;

    /** Arrays with steps still to write, oldest first: job id to the next step to write. */
    private final Map<Long, Integer> open = new LinkedHashMap<>();
    /** What the commit under way wrote: job id to the next step after it (the length when it wrote the last). */
    private final Map<Long, Integer> writing = new LinkedHashMap<>();
    /** The lengths of the arrays in either map above. */
    private final Map<Long, Integer> lengths = new LinkedHashMap<>();

    /** Whether steps remain to be written, by the commits to come. */
    boolean pending() {
        return !open.isEmpty();
    }

    /** Whether steps remain to be written, counting the arrays the commit under way submitted. */
    boolean active() {
        return !lengths.isEmpty();
    }

    /** In a commit that journals the array {@code job}: writes its first steps, and records where it stopped. */
    void submitted(Handle h, long job, int length) {
        int written = Math.min(length, FIRST_STEPS);
        h.attach(TaskDao.class).insertArraySteps(job, 0, written);
        if (written < length) {
            h.attach(ArrayFillDao.class).insert(job, written);
            writing.put(job, written);
            lengths.put(job, length);
        }
    }

    /** In a commit that starts or ends these tasks: writes the rows of those of them that are not written yet. */
    void touching(Handle h, List<String> taskIds) {
        if (!active()) {
            return;
        }
        Map<Long, Integer> needed = new LinkedHashMap<>();
        for (String id : taskIds) {
            int cut = id.indexOf('_');
            if (cut > 0) {
                long job = Long.parseLong(id, 0, cut, 10);
                int step = Integer.parseInt(id, cut + 1, id.length(), 10);
                if (step >= nextStep(job)) {
                    needed.merge(job, step + 1, Math::max);
                }
            }
        }
        needed.forEach((job, upTo) -> write(h, job, upTo));
    }

    /** In a commit: writes the next part of the oldest array, or the rest of every array when {@code all}. */
    void advance(Handle h, boolean all) {
        for (long job : lengths.keySet()) { // oldest first: the arrays left by an earlier host, then in submit order
            int next = nextStep(job);
            int length = length(job);
            if (next < length) {
                write(h, job, all ? length : (int) Math.min(length, (long) next + CHUNK_STEPS));
                if (!all) {
                    return;
                }
            }
        }
    }

    /** The commit that ran the calls above returned: what it wrote is in the journal. */
    void committed() {
        writing.forEach((job, next) -> {
            int length = lengths.get(job);
            if (next >= length) {
                open.remove(job);
            } else {
                open.put(job, next);
            }
        });
        rolledBack();
    }

    /** The commit that ran the calls above failed: nothing it wrote is in the journal. */
    void rolledBack() {
        writing.clear();
        for (Iterator<Long> it = lengths.keySet().iterator(); it.hasNext();) {
            if (!open.containsKey(it.next())) {
                it.remove();
            }
        }
    }

    /**
     * Writes the rows of {@code job}'s steps up to {@code upTo} (exclusive), from the first not written as the journal
     * says, its {@code array_fill} row locked: a commit whose outcome this host did not learn (a connection lost as
     * the server committed), or a supplanted host's last commit, may have written more than this host knows of.
     */
    private void write(Handle h, long job, int upTo) {
        if (upTo <= nextStep(job)) {
            return;
        }
        ArrayFillDao fills = h.attach(ArrayFillDao.class);
        int next = fills.nextStep(job).orElse(length(job));
        int end = Math.min(upTo, length(job));
        if (end <= next) {
            writing.put(job, next);
            return;
        }
        h.attach(TaskDao.class).insertArraySteps(job, next, end);
        if (end >= length(job)) {
            fills.delete(job);
        } else {
            fills.update(job, end);
        }
        writing.put(job, end);
    }

    private int nextStep(long job) {
        Integer next = writing.get(job);
        if (next != null) {
            return next;
        }
        return open.getOrDefault(job, Integer.MAX_VALUE);
    }

    private int length(long job) {
        return lengths.get(job);
    }

    /** Stops writing rows: another host took the journal over, and writes them when it opens it. */
    void forget() {
        open.clear();
        rolledBack();
    }

    /** Seeds the arrays an earlier host left part-written, so that the writer writes their rest: {@code scope}'s only. */
    void load(Handle h, HostScope scope) {
        for (ArrayFillDao.Open o : h.attach(ArrayFillDao.class).open(scope.jobs("j"))) {
            open.put(o.jobId(), o.nextStep());
            lengths.put(o.jobId(), o.arrayLength());
        }
    }
}
