package dev.multiproc.core;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The tasks a host holds until they end: queued, or handed to its backend (waiting to start, running, or
 * followed after a restart). What the protocol's polls and counts read, whatever the backend.
 *
 * <p>Its {@link #lock} guards it, the {@link RunningTask}s in it, and the backend's own state: one lock for
 * a host's whole view of its tasks. {@link #settled} is signalled whenever a task leaves or starts
 * ({@link #signalSettled}).
 */
final class ActiveTasks {
    final ReentrantLock lock = new ReentrantLock();
    final Condition settled = lock.newCondition();
    /** Signalled when nothing is left queued or handed: {@link #awaitIdle} is not woken by every start and end. */
    private final Condition idle = lock.newCondition();
    final TaskQueue queue;
    private final Map<String, RunningTask> byKey = new HashMap<>();
    private final Map<String, RunningTask> byId = new HashMap<>();
    /** Slots of every task handed to the backend. */
    private int usedSlots;
    /** Slots of tasks the backend's current launcher did not start: it may not fill those. */
    private int foreignSlots;
    /** Handed tasks that have started: kept as they change, so a count is not a walk over every task. */
    private int started;

    ActiveTasks(int maxOvertakes) {
        this.queue = new TaskQueue(maxOvertakes);
    }

    /** Queues a job's tasks. */
    void enqueue(QueuedJob job) {
        lock.lock();
        try {
            queue.add(job);
        } finally {
            lock.unlock();
        }
    }

    /** What the active set holds in memory; see {@link Engine#footprint()}. */
    Engine.Footprint footprint(int exitInfos, int queueingErrors, int logDirectories) {
        lock.lock();
        try {
            return new Engine.Footprint(queue.size(), queue.jobCount(), byKey.size(), exitInfos, queueingErrors, logDirectories);
        } finally {
            lock.unlock();
        }
    }

    /** The handed task with this key (task id and attempt); null when none. Caller holds the lock. */
    RunningTask byKey(String key) {
        return byKey.get(key);
    }

    /** The handed task with this id; null when none. Caller holds the lock. */
    RunningTask byId(String taskId) {
        return byId.get(taskId);
    }

    /** Whether this very attempt is still held (not ended, deferred or replaced). Caller holds the lock. */
    boolean holds(RunningTask rt) {
        return byKey.get(rt.key) == rt;
    }

    /** The handed tasks, live view. Caller holds the lock. */
    Collection<RunningTask> handed() {
        return byKey.values();
    }

    void register(RunningTask rt) {
        byKey.put(rt.key, rt);
        byId.put(rt.taskId, rt);
        usedSlots += rt.cores();
        if (rt.foreign) {
            foreignSlots += rt.cores();
        }
        if (rt.hasStarted()) {
            started++;
        }
    }

    /** A handed task's start was recorded; {@code wasStarted} is whether it had started before. Caller holds the lock. */
    void noteStarted(RunningTask rt, boolean wasStarted) {
        if (!wasStarted && rt.hasStarted() && holds(rt)) {
            started++;
        }
    }

    void unregister(RunningTask rt) {
        if (byKey.remove(rt.key) != null) {
            byId.remove(rt.taskId);
            usedSlots -= rt.cores();
            if (rt.foreign) {
                foreignSlots -= rt.cores();
            }
            if (rt.hasStarted()) {
                started--;
            }
        }
    }

    /** The task is no longer its current launcher's (that launcher went away). */
    void makeForeign(RunningTask rt) {
        if (!rt.foreign) {
            rt.foreign = true;
            if (holds(rt)) {
                foreignSlots += rt.cores();
            }
        }
    }

    int usedSlots() {
        return usedSlots;
    }

    int foreignSlots() {
        return foreignSlots;
    }

    /** The queued or handed ids among {@code ids}, or all of them for null. */
    Set<String> active(Collection<String> ids) {
        lock.lock();
        try {
            if (ids == null) {
                Set<String> all = new HashSet<>((queue.size() + byId.size()) * 2);
                queue.forEachId(all::add);
                all.addAll(byId.keySet());
                return all;
            }
            Set<String> active = new HashSet<>();
            for (String id : ids) {
                if (id == null) {
                    continue;
                }
                if (byId.containsKey(id)) {
                    active.add(id);
                } else {
                    TaskId.parse(id).filter(queue::contains).ifPresent(t -> active.add(id));
                }
            }
            return active;
        } finally {
            lock.unlock();
        }
    }

    /** Tasks waiting: in the queue, or handed to the backend and not started yet. */
    int queuedCount() {
        lock.lock();
        try {
            return queue.size() + byKey.size() - started;
        } finally {
            lock.unlock();
        }
    }

    /** Tasks whose process has started and not ended. */
    int runningCount() {
        lock.lock();
        try {
            return started;
        } finally {
            lock.unlock();
        }
    }

    /** Handed tasks; caller holds the lock. */
    int handedCount() {
        return byKey.size();
    }

    /**
     * Waits (at most {@code patience}) until the backend has answered for tasks it was handed but had not
     * started: dropped, or started after all and ending. So a terminated task that never started has left
     * the active set when terminate returns, and one that did start is truthfully still there. Caller holds the lock.
     */
    void awaitStartedOrGone(java.util.List<RunningTask> handed, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        try {
            while (handed.stream().anyMatch(rt -> holds(rt) && !rt.hasStarted())) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                settled.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A task left or started. Caller holds the lock. */
    void signalSettled() {
        settled.signalAll();
        if (byKey.isEmpty() && queue.isEmpty()) {
            idle.signalAll();
        }
    }

    /** Waits until no task is queued or handed, or the timeout passes; true when idle. For the CLI and tests. */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (!byKey.isEmpty() || !queue.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                idle.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }
}
