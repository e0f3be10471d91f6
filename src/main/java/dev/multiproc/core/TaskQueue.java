package dev.multiproc.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Tasks waiting for slots, in submission order.
 *
 * <p>The first task takes slots as soon as enough are free. When it needs more than are free, later
 * tasks that fit may start ahead of it so slots do not idle, but only {@code maxOvertakes} of them:
 * after that, nothing else starts until the first task has its slots, so a wide task is never
 * starved by a stream of narrow ones. Not thread-safe: the {@link ActiveTasks} lock guards it.
 */
final class TaskQueue {
    private final ArrayDeque<QueuedJob> order = new ArrayDeque<>();
    private final Map<Long, QueuedJob> byJob = new HashMap<>();
    private final int maxOvertakes;
    private QueuedJob blockedHead;
    private int overtakes;
    private int size;
    /** How many queued jobs need each number of cores: a scan for a task that fits is skipped when none can. */
    private final java.util.TreeMap<Integer, Integer> jobsByCores = new java.util.TreeMap<>();

    TaskQueue(int maxOvertakes) {
        this.maxOvertakes = maxOvertakes;
    }

    void add(QueuedJob job) {
        if (job.isEmpty()) {
            return;
        }
        QueuedJob queued = byJob.get(job.spec.jobId());
        if (queued != null) {
            size += queued.absorb(job); // more steps of a job still queued keep its place
            return;
        }
        order.addLast(job);
        byJob.put(job.spec.jobId(), job);
        size += job.size();
        jobsByCores.merge(job.spec.cores(), 1, Integer::sum);
    }

    /**
     * Puts a task taken from the queue back into its place: among the tasks of its job if more are queued,
     * else before the first job submitted after it (job ids grow in submission order).
     */
    void putBack(QueuedTask task) {
        QueuedJob queued = byJob.get(task.spec().jobId());
        if (queued != null) {
            if (queued.add(task)) {
                size++;
            }
            return;
        }
        QueuedJob job = QueuedJob.none(task.spec());
        job.add(task);
        java.util.ArrayDeque<QueuedJob> before = new java.util.ArrayDeque<>();
        while (!order.isEmpty() && order.peekFirst().spec.jobId() < task.spec().jobId()) {
            before.addLast(order.pollFirst());
        }
        order.addFirst(job);
        while (!before.isEmpty()) {
            order.addFirst(before.pollLast());
        }
        byJob.put(job.spec.jobId(), job);
        size++;
        jobsByCores.merge(job.spec.cores(), 1, Integer::sum);
    }

    int size() {
        return size;
    }

    /** Jobs with tasks still queued. */
    int jobCount() {
        return byJob.size();
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The next task to start with {@code freeSlots} free, or null when none may start now. */
    QueuedTask next(int freeSlots) {
        if (freeSlots <= 0 || size == 0) {
            return null;
        }
        QueuedJob head = head();
        if (head == null) {
            return null;
        }
        if (head.spec.cores() <= freeSlots) {
            blockedHead = null;
            overtakes = 0;
            return take(head);
        }
        if (blockedHead != head) {
            blockedHead = head;
            overtakes = 0;
        }
        if (overtakes >= maxOvertakes || jobsByCores.isEmpty() || jobsByCores.firstKey() > freeSlots) {
            return null;
        }
        for (QueuedJob job : order) {
            if (job != head && !job.isEmpty() && job.spec.cores() <= freeSlots) {
                overtakes++;
                return take(job);
            }
        }
        return null;
    }

    /** The waiting task that blocks the queue, if the queue is holding slots for it. */
    boolean isReservingForHead() {
        return blockedHead != null && blockedHead == head() && overtakes >= maxOvertakes;
    }

    boolean contains(TaskId id) {
        QueuedJob job = byJob.get(id.jobId());
        return job != null && job.contains(id.step());
    }

    /** Removes a queued task; null when it is not queued. */
    QueuedTask remove(TaskId id) {
        QueuedJob job = byJob.get(id.jobId());
        if (job == null) {
            return null;
        }
        QueuedTask removed = job.remove(id.step());
        if (removed != null) {
            size--;
            if (job.isEmpty()) {
                forget(job);
            }
        }
        return removed;
    }

    /** Removes and returns every queued task. */
    List<QueuedTask> drain() {
        List<QueuedTask> all = new ArrayList<>(size);
        for (QueuedJob job : order) {
            while (!job.isEmpty()) {
                all.add(job.take());
            }
        }
        order.clear();
        byJob.clear();
        jobsByCores.clear();
        size = 0;
        blockedHead = null;
        return all;
    }

    void forEachId(Consumer<String> out) {
        for (QueuedJob job : order) {
            job.forEachId(out);
        }
    }

    private QueuedJob head() {
        while (!order.isEmpty() && order.peekFirst().isEmpty()) {
            forget(order.pollFirst());
        }
        return order.peekFirst();
    }

    private QueuedTask take(QueuedJob job) {
        QueuedTask t = job.take();
        size--;
        if (job.isEmpty()) {
            forget(job);
        }
        return t;
    }

    /** An emptied job leaves the lookup at once and the order when it reaches the front. */
    private void forget(QueuedJob job) {
        if (byJob.remove(job.spec.jobId(), job)) {
            jobsByCores.computeIfPresent(job.spec.cores(), (cores, n) -> n == 1 ? null : n - 1);
        }
    }
}
