package dev.multiproc.core;

import dev.multiproc.agent.Launcher;
import dev.multiproc.agent.ProcessIdentity;
import dev.multiproc.agent.ProcessTrees;
import dev.multiproc.agent.SpawnRequest;
import dev.multiproc.agent.StateFiles;
import dev.multiproc.agent.TaskRecord;
import dev.multiproc.agent.TransientErrors;
import dev.multiproc.cluster.TaskInstanceStatus;
import dev.multiproc.journal.ExitInfoRow;
import dev.multiproc.journal.TaskJournal;
import dev.multiproc.journal.QueueingErrorRow;
import dev.multiproc.journal.TaskEndRow;
import dev.multiproc.journal.TaskStartRow;
import dev.multiproc.queue.Resources;
import dev.multiproc.worker.LogFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves tasks from the queue into slots and follows them until they end.
 *
 * <p>Tasks start through one {@link Launcher}; their starts and ends come back as launcher events. A
 * task that is not the current launcher's (reattached after a restart, or left when a launcher died) is
 * <em>watched</em> instead: a watcher thread reads its state files and checks its process's identity. Every end goes to the journal in the background and into the exit-info
 * cache at once, so a task that leaves the active set always has its exit information ready.
 *
 * <p>A task that cannot start for want of a machine resource (disk space, file descriptors, processes)
 * goes back to its place in the queue as if it had never left it, and dispatch pauses: see
 * {@link StartBackoff}.
 *
 * <p>One lock guards all of it. Requests are written to the launcher under the lock; that is safe
 * because the launcher never blocks on its own output.
 */
public final class Dispatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    /** A launcher's SIGKILL phase gives up after 10 s; the host steps in after that. */
    private static final Duration BACKSTOP_MARGIN = Duration.ofSeconds(12);
    private static final Duration UNCONFIRMED_PATIENCE = Duration.ofSeconds(2);
    /** How long a live launcher may take to record the end of a task whose process is gone. */
    private static final Duration ENDING_PATIENCE = Duration.ofSeconds(30);
    private static final int MAX_MESSAGE = 4000;
    private static final int MAX_REMEMBERED_LOG_DIRS = 1024;

    private final DispatchSettings settings;
    private final TaskJournal journal;
    private final ExitInfoCache exitInfos;
    private final QueueingErrors queueingErrors;
    private final StateFiles stateFiles;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition settled = lock.newCondition();
    private final TaskQueue queue;
    private final Map<String, RunningTask> byKey = new HashMap<>();
    private final Map<String, RunningTask> byId = new HashMap<>();
    /** Log directories already created, so each is made once; forgotten in bulk when tasks name very many. */
    private final Set<Path> logDirsMade = new HashSet<>();
    private final List<TaskEndListener> endListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Thread watcher;
    /** Slots of every task handed to a launcher, running, or watched. */
    private int usedSlots;
    /** Slots of watched tasks: the current launcher may not fill those. */
    private int watchedSlots;
    /** Tasks handed to the launcher beyond the free slots, so it starts the next one without a round trip. */
    private final int prefetch;
    private int launcherSlots = -1;
    private boolean dispatching;
    private volatile boolean closed;
    private Launcher launcher;
    /** Why the last launcher went away, for the message of a task it took down with it. */
    private String lastLauncherEnd;
    private final StartBackoff backoff = new StartBackoff(lock, this::fill);
    private final java.util.function.Predicate<RunningTask> waitsToStart = this::waitsToStart;

    Dispatcher(DispatchSettings settings, TaskJournal journal, ExitInfoCache exitInfos, QueueingErrors queueingErrors) {
        this.settings = settings;
        this.journal = journal;
        this.exitInfos = exitInfos;
        this.queueingErrors = queueingErrors;
        this.stateFiles = settings.stateFiles();
        this.queue = new TaskQueue(settings.maxOvertakes());
        this.prefetch = Integer.getInteger("multiproc.prefetch", Math.min(settings.parallelism(), 64));
        this.watcher = new Thread(this::watch, "multiproc-watcher");
        this.watcher.setDaemon(true);
        this.watcher.start();
    }

    // ------------------------------------------------------------------ the host's calls

    void start() {
        lock.lock();
        try {
            ensureOpen();
            dispatching = true;
            fill();
        } finally {
            lock.unlock();
        }
    }

    void enqueue(QueuedJob job) {
        lock.lock();
        try {
            ensureOpen();
            queue.add(job);
            fill();
        } finally {
            lock.unlock();
        }
    }

    /** Recovery hands over a task that outlived the previous host. */
    void adopt(RunningTask rt) {
        lock.lock();
        try {
            rt.watched = true;
            register(rt);
            if (rt.terminateReason != null) {
                sendTerminate(rt);
            }
        } finally {
            lock.unlock();
        }
    }

    void addEndListener(TaskEndListener listener) {
        endListeners.add(listener);
    }

    private void tell(String taskId, Outcome outcome) {
        for (TaskEndListener l : endListeners) {
            try {
                l.ended(taskId, outcome);
            } catch (RuntimeException e) {
                log.warn("a task end listener failed: {}", e.toString());
            }
        }
    }

    /** Records the end of a task recovery settled without running it in this session. */
    void settle(RunningTask rt, Outcome outcome, TaskRecord record) {
        lock.lock();
        try {
            end(rt, outcome, record);
        } finally {
            lock.unlock();
        }
    }

    boolean isDispatching() {
        lock.lock();
        try {
            return dispatching;
        } finally {
            lock.unlock();
        }
    }

    /** The queued or running ids among {@code ids}, or all of them for null. */
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

    /** Tasks waiting: in the queue, or handed to a launcher that has not started them yet. */
    int queuedCount() {
        lock.lock();
        try {
            return queue.size() + (int) byKey.values().stream().filter(rt -> !rt.hasStarted()).count();
        } finally {
            lock.unlock();
        }
    }

    /** Why dispatch is paused (tasks cannot start for want of a resource), while it is. */
    Optional<String> pauseReason() {
        lock.lock();
        try {
            return backoff.pauseReason();
        } finally {
            lock.unlock();
        }
    }

    /** Tasks whose process has started and not ended. */
    int runningCount() {
        lock.lock();
        try {
            return (int) byKey.values().stream().filter(RunningTask::hasStarted).count();
        } finally {
            lock.unlock();
        }
    }

    /** What the dispatcher holds in memory; see {@link Engine#footprint()}. */
    Engine.Footprint footprint(int exitInfos, int queueingErrors) {
        lock.lock();
        try {
            return new Engine.Footprint(queue.size(), queue.jobCount(), byKey.size(), exitInfos,
                    queueingErrors, logDirsMade.size());
        } finally {
            lock.unlock();
        }
    }

    /** Terminates running tasks with their process groups (SIGTERM, then SIGKILL after the grace) and drops queued ones. */
    void terminate(Collection<String> ids, Outcomes.TerminateReason reason) {
        lock.lock();
        try {
            List<RunningTask> handed = new ArrayList<>();
            for (String id : ids) {
                Optional<TaskId> tid = TaskId.parse(id);
                QueuedTask queued = tid.map(queue::remove).orElse(null);
                if (queued != null) {
                    endQueued(queued, Outcomes.terminatedWhileQueued(reason));
                    continue;
                }
                RunningTask rt = byId.get(id);
                if (rt != null) {
                    requestTerminate(rt, reason);
                    if (!rt.hasStarted() && !rt.watched) {
                        handed.add(rt);
                    }
                    continue;
                }
                log.info("terminate: {} is not queued or running here (unknown, or already ended)", id);
            }
            awaitDropped(handed);
            fill();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits (briefly) until the launcher has answered for tasks it was handed but had not started: dropped,
     * or started after all and ending. So a terminated task that never started has left the active set
     * when terminate returns, and one that did start is truthfully still there.
     */
    private void awaitDropped(List<RunningTask> handed) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        try {
            while (handed.stream().anyMatch(rt -> byKey.get(rt.key) == rt && !rt.hasStarted())) {
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

    /**
     * Stops dispatching, drops the queue and terminates every running task, then waits for them to end:
     * the grace period, then the launcher's SIGKILL, then the host's own.
     */
    void stop() {
        Launcher toClose = null;
        lock.lock();
        try {
            dispatching = false;
            for (QueuedTask q : queue.drain()) {
                endQueued(q, Outcomes.terminatedWhileQueued(Outcomes.TerminateReason.STOP));
            }
            for (RunningTask rt : List.copyOf(byKey.values())) {
                requestTerminate(rt, Outcomes.TerminateReason.STOP);
            }
            long deadline = System.nanoTime() + settings.killGrace().plus(BACKSTOP_MARGIN).plusSeconds(5).toNanos();
            while (!byKey.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                settled.awaitNanos(left);
            }
            for (RunningTask rt : List.copyOf(byKey.values())) {
                log.error("task {} did not end after stop(); killing what is left of it", rt.taskId);
                if (rt.hasStarted()) {
                    ProcessTrees.killTask(rt.identity());
                }
                end(rt, new Outcome(TaskState.TERMINATED, EndCause.STOPPED, TaskInstanceStatus.UNKNOWN_ERROR,
                        Outcomes.TerminateReason.STOP.text + "; it did not end in time and was killed with SIGKILL", null, 9, null, null),
                        null);
            }
            toClose = launcher;
            launcher = null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
        if (toClose != null) {
            toClose.close(); // outside the lock: its reader thread may still be delivering events
        }
    }

    /** Stops dispatching and lets go of every task without ending any: see {@link Engine#detach()}. */
    void detach() {
        Launcher toClose;
        lock.lock();
        try {
            dispatching = false;
            closed = true;
            toClose = launcher;
            launcher = null;
        } finally {
            lock.unlock();
        }
        if (toClose != null) {
            toClose.release(); // its queue is dropped; what it started runs on, supervised, to its end
        }
        stopWatcher();
    }

    @Override
    public void close() {
        stop();
        closed = true;
        stopWatcher();
    }

    private void stopWatcher() {
        backoff.close();
        watcher.interrupt();
        try {
            watcher.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ dispatching

    private void fill() {
        fillSlots();
        if (dispatching && !closed) {
            backoff.wakeWhenDue();
        }
    }

    private void fillSlots() {
        while (dispatching && !closed) {
            List<RunningTask> batch = new ArrayList<>();
            QueuedTask next;
            while (backoff.mayHandOut(waitsToStart) && (next = queue.next(settings.parallelism() + prefetch - usedSlots)) != null) {
                RunningTask rt = prepare(next);
                if (rt != null) {
                    register(rt);
                    if (!rt.watched) {
                        batch.add(rt);
                        backoff.handedOut(rt);
                    }
                }
            }
            if (batch.isEmpty()) {
                updateLauncherSlots();
                return;
            }
            Launcher l;
            try {
                l = ensureLauncher();
            } catch (Launcher.LauncherException e) {
                for (RunningTask rt : batch) {
                    if (e.isTransient()) {
                        defer(rt, rt.task, e.getMessage());
                    } else {
                        end(rt, Outcomes.queueingError(e.getMessage()), null);
                    }
                }
                if (!e.isTransient()) {
                    log.error("cannot start tasks: {}", e.getMessage());
                }
                continue;
            }
            updateLauncherSlots();
            List<SpawnRequest> requests = new ArrayList<>(batch.size());
            String shortage = null;
            for (RunningTask rt : batch) {
                if (shortage != null) {
                    defer(rt, rt.task, shortage); // behind one that must wait: they keep their order
                    continue;
                }
                try {
                    requests.add(request(rt));
                    rt.launcher = l;
                } catch (IOException e) {
                    String why = "cannot create the log directory: " + e.getMessage();
                    if (TransientErrors.isTransient(e)) {
                        shortage = why;
                        defer(rt, rt.task, why);
                    } else {
                        end(rt, Outcomes.queueingError(why), null);
                    }
                }
            }
            try {
                l.send(requests);
                return;
            } catch (IOException e) {
                log.warn("the launcher stopped taking requests ({}); its tasks are watched from now on", e.toString());
                launcher = null;
                loseSightOf(l);
            }
        }
    }

    /** Tasks waiting to start: queued, or handed to the launcher and not started (those may come back). */
    private int waiting() {
        return queue.size() + (int) byKey.values().stream().filter(rt -> !rt.watched && !rt.hasStarted()).count();
    }

    /** A task handed to the launcher that has not started and is still ours. */
    private boolean waitsToStart(RunningTask rt) {
        return byKey.get(rt.key) == rt && !rt.hasStarted();
    }

    /**
     * A task that could not start for want of a resource goes back to its place in the queue as if it had
     * never left it (nothing is journaled, no listener hears of it), and dispatch pauses. {@code retry} is
     * the attempt to try next. A task asked to end meanwhile ends, as one that never started.
     */
    private void defer(RunningTask rt, QueuedTask retry, String why) {
        unregister(rt);
        if (rt.terminateReason != null) {
            endQueued(retry, Outcomes.terminatedWhileQueued(rt.terminateReason));
        } else if (!closed) {
            queue.putBack(retry);
            backoff.failed(why, waiting());
        }
        settled.signalAll();
    }

    /** The attempt to try again after attempt {@code rt}, which never ran its command: the same one, once its file is gone. */
    private QueuedTask retryOf(RunningTask rt) {
        return stateFiles.discard(rt.taskId, rt.task.attempt()) ? rt.task : rt.task.asAttempt(rt.task.attempt() + 1);
    }

    /** The launcher may fill the slots that watched tasks (which it did not start) leave free. */
    private void updateLauncherSlots() {
        int slots = Math.max(0, settings.parallelism() - watchedSlots);
        if (launcher != null && slots != launcherSlots) {
            try {
                launcher.slots(slots);
                launcherSlots = slots;
            } catch (IOException e) {
                log.debug("cannot update the launcher's slots: {}", e.toString());
            }
        }
    }

    /**
     * The attempt to start for a queued task; for a task recovery requeued, first claims the attempt a
     * dead host may have handed out. If that attempt got there first after all, it is followed
     * (watched) instead, and nothing new starts.
     */
    private RunningTask prepare(QueuedTask next) {
        if (!next.claimFirst()) {
            return new RunningTask(next);
        }
        String taskId = next.id().toString();
        try {
            if (stateFiles.claim(taskId, next.attempt())) {
                return new RunningTask(next.asAttempt(next.attempt() + 1));
            }
        } catch (IOException e) {
            if (TransientErrors.isTransient(e)) {
                queue.putBack(next); // the same attempt is claimed when it is tried again: a failed claim leaves nothing
                backoff.failed("cannot claim the task's state file in " + stateFiles.dir() + ": " + e.getMessage(), waiting());
                return null;
            }
            RunningTask rt = new RunningTask(next.asAttempt(next.attempt() + 1));
            register(rt);
            end(rt, Outcomes.queueingError("cannot claim the task's state file in " + stateFiles.dir() + ": " + e.getMessage()), null);
            return null;
        }
        log.warn("task {}: attempt {} was started by a host that died after all; following it", taskId, next.attempt());
        RunningTask late = new RunningTask(next.asAttempt(next.attempt()));
        late.watched = true; // counted as watched when registered
        return late;
    }

    private Launcher ensureLauncher() throws Launcher.LauncherException {
        if (launcher != null && launcher.isAlive()) {
            return launcher;
        }
        EventsFromLauncher events = new EventsFromLauncher();
        int slots = Math.max(0, settings.parallelism() - watchedSlots);
        launcher = Launcher.start(settings.agent(), stateFiles.dir(), slots, settings.sampleInterval(), settings.launcherLog(),
                settings.environment(), events);
        launcherSlots = slots;
        events.owner = launcher;
        return launcher;
    }

    private SpawnRequest request(RunningTask rt) throws IOException {
        JobSpec spec = rt.task.spec();
        Resources r = spec.resources();
        List<String> env = new ArrayList<>(2);
        env.add("JOB_ID=" + spec.jobId());
        if (rt.task.step() != null) {
            env.add("ARRAY_STEP_ID=" + rt.task.step());
        }
        return new SpawnRequest(rt.key, spec.command(), env, logPath("stdout", r.stdoutDir(), spec.name(), rt.taskId),
                logPath("stderr", r.stderrDir(), spec.name(), rt.taskId), rt.cores(),
                r.runtimeSeconds() == null ? 0 : r.runtimeSeconds() * 1000,
                r.memoryBytes() == null ? 0 : (r.memoryBytes() + 1023) / 1024, settings.killGrace().toMillis());
    }

    private String logPath(String type, String requestedDir, String name, String taskId) throws IOException {
        Path dir = requestedDir != null ? Path.of(requestedDir) : settings.logDir();
        if (dir == null) {
            return null;
        }
        dir = dir.toAbsolutePath();
        if (!logDirsMade.contains(dir)) {
            LogDirectories.create(dir);
            if (logDirsMade.size() >= MAX_REMEMBERED_LOG_DIRS) {
                logDirsMade.clear();
            }
            logDirsMade.add(dir);
        }
        return LogFiles.path(type, dir.toString(), name, taskId);
    }

    private void register(RunningTask rt) {
        byKey.put(rt.key, rt);
        byId.put(rt.taskId, rt);
        usedSlots += rt.cores();
        if (rt.watched) {
            watchedSlots += rt.cores();
        }
    }

    private void unregister(RunningTask rt) {
        if (byKey.remove(rt.key) != null) {
            byId.remove(rt.taskId);
            usedSlots -= rt.cores();
            if (rt.watched) {
                watchedSlots -= rt.cores();
            }
        }
    }

    /** From now on the task is followed through its state files, not through its launcher's events. */
    private void watch(RunningTask rt) {
        if (!rt.watched) {
            rt.watched = true;
            if (byKey.get(rt.key) == rt) {
                watchedSlots += rt.cores();
            }
        }
    }

    // ------------------------------------------------------------------ terminating

    private void requestTerminate(RunningTask rt, Outcomes.TerminateReason reason) {
        if (rt.terminateReason != null) {
            return;
        }
        rt.terminateReason = reason;
        rt.terminateSentNanos = System.nanoTime();
        sendTerminate(rt);
    }

    /**
     * A task of the current launcher is ended by it (dropped if still queued there). Any other task that
     * has started is ended by the current launcher through its process group, after checking that its pid
     * still names it. A task whose start is not known yet is ended once it is (see markStarted).
     */
    private void sendTerminate(RunningTask rt) {
        try {
            if (!rt.watched && rt.launcher != null && rt.launcher == launcher && launcher.isAlive()) {
                launcher.kill(rt.key);
            } else if (rt.hasStarted()) {
                ensureLauncher().killOther(rt.identity(), settings.killGrace());
            }
        } catch (IOException | Launcher.LauncherException e) {
            log.warn("cannot ask a launcher to end task {} ({}); the host will kill it itself if it does not end", rt.taskId,
                    e.getMessage());
        }
    }

    // ------------------------------------------------------------------ ends

    /** Records how a task ended. Caller holds the lock, and calls {@link #fill()} afterwards. */
    private void end(RunningTask rt, Outcome outcome, TaskRecord record) {
        unregister(rt);
        long now = System.currentTimeMillis();
        Long startedMs = record != null && record.t0Ms() > 0 ? Long.valueOf(record.t0Ms()) : rt.startedMs > 0 ? rt.startedMs : null;
        long endedMs = record != null && record.isFinished() && record.result().t1Ms() > 0 ? record.result().t1Ms() : now;
        TaskEndRow row = new TaskEndRow(rt.taskId, rt.hasStarted() ? rt.task.attempt() : null, outcome.state().name(),
                rt.hasStarted() ? rt.pid : null,
                rt.hasStarted() ? rt.startTicks : null, rt.hasStarted() ? rt.pidStartedMs : null, startedMs, endedMs,
                outcome.exitCode(), outcome.signal(), outcome.endCause().value(), outcome.status().code(), clip(outcome.message()),
                outcome.cpuMs(), outcome.peakRssKb(), settings.sessionId());
        String taskId = rt.taskId;
        int attempt = rt.task.attempt();
        if (outcome.isQueueingError()) {
            queueingErrors.add(taskId, clip(outcome.message()));
            journal.queueingError(row, new QueueingErrorRow(taskId, clip(outcome.message()), now),
                    () -> stateFiles.delete(taskId, attempt));
        } else {
            exitInfos.ended(taskId, outcome.exitInfo());
            journal.ended(row, new ExitInfoRow(taskId, outcome.status().code(), clip(outcome.message()), now), () -> {
                exitInfos.committed(taskId);
                stateFiles.delete(taskId, attempt);
            });
        }
        settled.signalAll();
        tell(taskId, outcome);
    }

    private void endQueued(QueuedTask q, Outcome outcome) {
        String taskId = q.id().toString();
        long now = System.currentTimeMillis();
        TaskEndRow row = new TaskEndRow(taskId, null, outcome.state().name(), null, null, null, null, now, null, null, outcome.endCause().value(),
                outcome.status().code(), clip(outcome.message()), null, null, settings.sessionId());
        exitInfos.ended(taskId, outcome.exitInfo());
        journal.ended(row, new ExitInfoRow(taskId, outcome.status().code(), clip(outcome.message()), now),
                () -> exitInfos.committed(taskId));
        tell(taskId, outcome);
    }

    private static String clip(String message) {
        return message.length() <= MAX_MESSAGE ? message : message.substring(0, MAX_MESSAGE - 3) + "...";
    }

    /** A task's process is gone and nobody recorded how it ended: its launcher died with it, or before it. */
    private Outcome endWithoutResult(RunningTask rt) {
        if (rt.hasStarted()) {
            int killed = ProcessTrees.killTask(rt.identity());
            if (killed > 0) {
                log.warn("task {}: it ended without a launcher; killed {} processes it left behind", rt.taskId, killed);
            }
        }
        if (rt.terminateReason != null) {
            return new Outcome(TaskState.TERMINATED, rt.terminateReason.endCause,
                    TaskInstanceStatus.UNKNOWN_ERROR, rt.terminateReason.text + "; it ended with no launcher left to record how",
                    null, null, null, null);
        }
        return Outcomes.lost(Outcomes.describeProcess(rt.pid, rt.pidStartedMs)
                + " ended with no launcher left to record its exit status (its launcher died too"
                + (lastLauncherEnd != null ? ": " + lastLauncherEnd : "") + ")");
    }

    // ------------------------------------------------------------------ launcher events

    private final class EventsFromLauncher implements Launcher.Events {
        volatile Launcher owner;

        @Override
        public void started(String key, long pid, long startTicks) {
            lock.lock();
            try {
                RunningTask rt = byKey.get(key);
                if (rt == null) {
                    log.debug("start of {} arrived after its end", key);
                    return;
                }
                markStarted(rt, pid, startTicks, owner.clockTicksPerSecond());
                if (backoff.isPaused()) {
                    backoff.started();
                    fill();
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void exited(String key, long pid, int waitStatus, Optional<TaskRecord> record) {
            lock.lock();
            try {
                RunningTask rt = byKey.get(key);
                if (rt == null) {
                    return;
                }
                TaskRecord r = record.orElse(null);
                if (!rt.hasStarted() && r != null && TransientErrors.isTransient(r.result())) {
                    // its command never ran: its output could not be opened, or the command not executed, for now
                    defer(rt, retryOf(rt), "cannot start the task: " + Outcomes.spawnError(r.result()));
                    fill();
                    return;
                }
                if (!rt.hasStarted()) {
                    markStarted(rt, pid, record.map(TaskRecord::startTicks).orElse(0L), owner.clockTicksPerSecond());
                }
                Outcome outcome = r != null && r.isFinished() ? Outcomes.fromResult(r, rt.terminateReason) : endWithoutResult(rt);
                end(rt, outcome, r);
                fill();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void failed(String key, int errno, String message) {
            lock.lock();
            try {
                RunningTask rt = byKey.get(key);
                if (rt != null) {
                    if (TransientErrors.isTransient(errno)) {
                        defer(rt, retryOf(rt), "cannot start the task: " + message);
                    } else {
                        end(rt, Outcomes.queueingError("cannot start the task: " + message), null);
                    }
                    fill();
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void dropped(String key) {
            lock.lock();
            try {
                RunningTask rt = byKey.get(key);
                if (rt == null) {
                    return;
                }
                unregister(rt);
                if (rt.terminateReason != null) {
                    endQueued(rt.task, Outcomes.terminatedWhileQueued(rt.terminateReason));
                } else {
                    // its attempt was claimed before it could start: it never ran; the next attempt will
                    log.warn("task {}: attempt {} was claimed before it started; queued again", rt.taskId, rt.task.attempt());
                    QueuedJob again = QueuedJob.none(rt.task.spec());
                    again.addRequeued(rt.task.step(), rt.task.attempt() + 1);
                    queue.add(again);
                }
                settled.signalAll();
                fill();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void gone(String reason) {
            lock.lock();
            try {
                log.warn("{}; its tasks are watched from now on", reason);
                lastLauncherEnd = reason;
                if (launcher == owner) {
                    launcher = null;
                }
                loseSightOf(owner);
                fill();
            } finally {
                lock.unlock();
            }
        }
    }

    private void markStarted(RunningTask rt, long pid, long startTicks, long clockTicksPerSecond) {
        rt.pid = pid;
        rt.startTicks = startTicks;
        rt.startedMs = System.currentTimeMillis();
        rt.pidStartedMs = ProcessIdentity.startInstant(startTicks, clockTicksPerSecond);
        rt.unconfirmedSince = 0;
        journal.started(new TaskStartRow(rt.taskId, rt.task.attempt(), pid, startTicks, rt.pidStartedMs, rt.startedMs,
                settings.sessionId()));
        if (rt.terminateReason != null && rt.watched) {
            sendTerminate(rt);
        }
        settled.signalAll();
    }

    /** The tasks a launcher had started become watched; those it never confirmed get checked before they are retried. */
    private void loseSightOf(Launcher gone) {
        long now = System.nanoTime();
        for (RunningTask rt : byKey.values()) {
            if (!rt.watched && rt.launcher == gone) {
                watch(rt);
                if (!rt.hasStarted()) {
                    rt.unconfirmedSince = now;
                }
            }
        }
    }

    // ------------------------------------------------------------------ the watcher

    private void watch() {
        long interval = settings.watchInterval().toMillis();
        while (!closed) {
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
            }
            List<RunningTask> snapshot = new ArrayList<>();
            lock.lock();
            try {
                for (RunningTask rt : byKey.values()) {
                    if (rt.watched || rt.terminateReason != null) {
                        snapshot.add(rt);
                    }
                }
            } finally {
                lock.unlock();
            }
            for (RunningTask rt : snapshot) {
                try {
                    check(rt);
                } catch (RuntimeException e) {
                    log.error("watching task {} failed", rt.taskId, e);
                }
            }
        }
    }

    private void check(RunningTask rt) {
        if (rt.terminateReason != null && !rt.forceKilled && rt.hasStarted()
                && System.nanoTime() - rt.terminateSentNanos > settings.killGrace().plus(BACKSTOP_MARGIN).toNanos()) {
            log.warn("task {} did not end {} after SIGTERM; killing its processes", rt.taskId,
                    settings.killGrace().plus(BACKSTOP_MARGIN));
            ProcessTrees.killTask(rt.identity());
            rt.forceKilled = true;
        }
        if (!rt.watched) {
            return;
        }
        long now = System.nanoTime();
        Attempt attempt = Attempt.inspect(stateFiles, rt.taskId, rt.task.attempt());
        switch (attempt.fate()) {
            case FINISHED -> {
                if (TransientErrors.isTransient(attempt.record().result())) {
                    retryUnconfirmed(rt, rt.task.attempt() + 1); // it never got to its command
                } else {
                    endIfStill(rt, () -> Outcomes.fromResult(attempt.record(), rt.terminateReason), attempt.record());
                }
            }
            case RUNNING -> {
                if (!rt.hasStarted()) {
                    lock.lock();
                    try {
                        if (byKey.get(rt.key) == rt && !rt.hasStarted()) {
                            markStarted(rt, attempt.record().pid(), attempt.record().startTicks(), 100);
                        }
                    } finally {
                        lock.unlock();
                    }
                }
                rt.waitingSince = 0;
            }
            case ENDING -> {
                // its launcher lives and will record the result; unless it never does
                if (rt.waitingSince == 0) {
                    rt.waitingSince = now;
                } else if (now - rt.waitingSince > ENDING_PATIENCE.toNanos()) {
                    endIfStill(rt, () -> endWithoutResult(rt), attempt.record());
                }
            }
            case LOST -> endIfStill(rt, () -> endWithoutResult(rt), attempt.record());
            case CLAIMED -> retryUnconfirmed(rt, rt.task.attempt() + 1);
            case STARTING -> {
                // identities are published whole, so this is a file written by hand or by something else:
                // whatever it is, an attempt that may have started is never started again
                if (rt.waitingSince == 0) {
                    rt.waitingSince = now;
                    log.warn("task {}: its state file {} holds no complete line; waiting", rt.taskId,
                            StateFiles.key(rt.taskId, rt.task.attempt()));
                }
            }
            case ABSENT -> {
                if (rt.hasStarted()) {
                    if (!rt.identity().isAlive()) {
                        endIfStill(rt, () -> endWithoutResult(rt), null); // its file was removed under us
                    }
                } else if (rt.unconfirmedSince != 0 && now - rt.unconfirmedSince > UNCONFIRMED_PATIENCE.toNanos()) {
                    retryUnconfirmed(rt, rt.task.attempt());
                }
            }
        }
    }

    private void endIfStill(RunningTask rt, java.util.function.Supplier<Outcome> outcome, TaskRecord record) {
        lock.lock();
        try {
            if (byKey.get(rt.key) == rt) {
                end(rt, outcome.get(), record);
                fill();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * A request the launcher may or may not have acted on before it died. It goes back to the queue, to
     * claim its attempt before another runs: if that attempt does start after all, it is followed instead.
     */
    private void retryUnconfirmed(RunningTask rt, int claim) {
        lock.lock();
        try {
            if (byKey.get(rt.key) == rt) {
                unregister(rt);
                QueuedJob again = QueuedJob.none(rt.task.spec());
                again.addRequeued(rt.task.step(), claim);
                queue.add(again);
                log.info("task {}: attempt {} never started; queued again", rt.taskId, rt.task.attempt());
                fill();
            }
        } finally {
            lock.unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the distributor is closed");
        }
    }

    /** Waits until no task is queued or running, or the timeout passes; true when idle. For the CLI and tests. */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (!byKey.isEmpty() || !queue.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                settled.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }
}
