package dev.multiproc.core;

import dev.multiproc.agent.Launcher;
import dev.multiproc.agent.LauncherConnection;
import dev.multiproc.agent.LauncherLink;
import dev.multiproc.agent.LauncherRegistry;
import dev.multiproc.agent.ProcessTrees;
import dev.multiproc.agent.SpawnRequest;
import dev.multiproc.agent.StateFiles;
import dev.multiproc.agent.SurvivingLauncher;
import dev.multiproc.agent.TaskRecord;
import dev.multiproc.agent.TransientErrors;
import dev.multiproc.cluster.TaskInstanceStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local backend: tasks start through one {@link Launcher} of this host, which fills its slots from
 * the queue; their starts and ends come back as launcher events ({@link LauncherEvents}). Launchers that
 * outlived an earlier host are reattached through their sockets ({@link LauncherConnection}) and report
 * on the tasks they still supervise the same way; only tasks whose launcher is gone are followed through
 * their state files ({@link StateFileWatcher}).
 *
 * <p>A task that cannot start for want of a machine resource (disk space, file descriptors, processes)
 * goes back to its place in the queue as if it had never left it, and dispatch pauses: see
 * {@link StartBackoff}. Everything here is guarded by the {@link ActiveTasks} lock; requests are written
 * to a launcher under it, which is safe because a launcher's requests never block (see {@link Launcher#send}).
 */
final class LocalBackend implements Backend {
    private static final Logger log = LoggerFactory.getLogger(LocalBackend.class);

    private final DispatchSettings settings;
    private final ActiveTasks active;
    private final TaskEvents events;
    private final StateFiles stateFiles;
    private final LaunchRequests requests;
    private final StateFileWatcher watcher;
    /** Tasks handed to the launcher beyond the free slots, so it starts the next one without a round trip. */
    private final int prefetch;
    private final StartBackoff backoff;
    private final Predicate<RunningTask> waitsToStart = this::waitsToStart;
    private final List<LauncherConnection> reattached = new ArrayList<>();
    private int launcherSlots = -1;
    private boolean dispatching;
    private volatile boolean closed;
    private Launcher launcher;
    /** The unit of start times, from the last launcher's handshake; the usual Linux value until one is known. */
    private volatile long clockTicksPerSecond = 100;
    /** Why the last launcher went away, for the message of a task it took down with it. */
    private String lastLauncherEnd;

    LocalBackend(DispatchSettings settings, ActiveTasks active, TaskEvents events) {
        this.settings = settings;
        this.active = active;
        this.events = events;
        this.stateFiles = settings.stateFiles();
        this.requests = new LaunchRequests(settings);
        this.prefetch = Integer.getInteger("multiproc.prefetch", Math.min(settings.parallelism(), 64));
        this.backoff = new StartBackoff(active.lock, this::fill);
        this.watcher = new StateFileWatcher(this, active, settings);
    }

    // ------------------------------------------------------------------ the host's calls

    @Override
    public void start() {
        active.lock.lock();
        try {
            ensureOpen();
            dispatching = true;
            fill();
        } finally {
            active.lock.unlock();
        }
    }

    @Override
    public void dispatch() {
        active.lock.lock();
        try {
            ensureOpen();
            fill();
        } finally {
            active.lock.unlock();
        }
    }

    /** Until {@link #reconnect()}, an adopted task is watched; its terminate request too waits for that. */
    @Override
    public void adopt(RunningTask rt) {
        active.lock.lock();
        try {
            rt.watched = true;
            rt.foreign = true;
            active.register(rt);
        } finally {
            active.lock.unlock();
        }
    }

    /**
     * Attaches to every launcher an earlier host left running: the adopted tasks it still supervises are
     * followed through its events from then on, and terminated through it. Then ends the adopted tasks
     * recovery asked to end.
     */
    @Override
    public void reconnect() {
        for (SurvivingLauncher survivor : LauncherRegistry.findSurvivors(stateFiles.dir())) {
            if (survivor.socket() == null || (launcher != null && launcher.pid() == survivor.pid())) {
                continue;
            }
            LauncherEvents listener = new LauncherEvents(this, active);
            LauncherConnection connection;
            try {
                connection = LauncherConnection.attach(survivor.socket(), listener);
            } catch (Launcher.LauncherException e) {
                log.warn("cannot reattach to the launcher {} an earlier host left ({}); its tasks are followed through their "
                        + "state files", survivor.pid(), e.getMessage());
                continue;
            }
            listener.ownedBy(connection);
            active.lock.lock();
            try {
                reattached.add(connection);
                int followed = 0;
                for (LauncherConnection.SupervisedTask t : connection.snapshot()) {
                    RunningTask rt = active.byKey(t.key());
                    if (rt != null && rt.watched && connection.isAlive()) {
                        rt.watched = false; // still foreign: the slots stay out of this host's launcher's reach
                        rt.launcher = connection;
                        followed++;
                    }
                }
                log.info("reattached to launcher {}: {} of its tasks are followed through it", survivor.pid(), followed);
            } finally {
                active.lock.unlock();
            }
        }
        active.lock.lock();
        try {
            for (RunningTask rt : List.copyOf(active.handed())) {
                if (rt.terminateReason != null) {
                    sendTerminate(rt);
                }
            }
        } finally {
            active.lock.unlock();
        }
    }

    @Override
    public boolean isDispatching() {
        active.lock.lock();
        try {
            return dispatching;
        } finally {
            active.lock.unlock();
        }
    }

    @Override
    public Optional<String> pauseReason() {
        active.lock.lock();
        try {
            return backoff.pauseReason();
        } finally {
            active.lock.unlock();
        }
    }

    @Override
    public int rememberedLogDirectories() {
        active.lock.lock();
        try {
            return requests.rememberedDirectories();
        } finally {
            active.lock.unlock();
        }
    }

    long clockTicksPerSecond() {
        return clockTicksPerSecond;
    }

    // ------------------------------------------------------------------ terminating and stopping

    @Override
    public void terminate(Collection<String> ids, Outcomes.TerminateReason reason) {
        active.lock.lock();
        try {
            List<RunningTask> handed = new ArrayList<>();
            for (String id : ids) {
                Optional<TaskId> tid = TaskId.parse(id);
                QueuedTask queued = tid.map(active.queue::remove).orElse(null);
                if (queued != null) {
                    endQueued(queued, Outcomes.terminatedWhileQueued(reason));
                    continue;
                }
                RunningTask rt = active.byId(id);
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
            active.lock.unlock();
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
            while (handed.stream().anyMatch(rt -> active.holds(rt) && !rt.hasStarted())) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                active.settled.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops dispatching, drops the queue and terminates every task, then waits for them to end: the grace
     * period, then the launcher's SIGKILL, then the host's own.
     */
    @Override
    public void stop() {
        Launcher toClose = null;
        active.lock.lock();
        try {
            dispatching = false;
            for (QueuedTask q : active.queue.drain()) {
                endQueued(q, Outcomes.terminatedWhileQueued(Outcomes.TerminateReason.STOP));
            }
            for (RunningTask rt : List.copyOf(active.handed())) {
                requestTerminate(rt, Outcomes.TerminateReason.STOP);
            }
            long deadline = System.nanoTime() + settings.killGrace().plus(StateFileWatcher.BACKSTOP_MARGIN).plusSeconds(5).toNanos();
            while (active.handedCount() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                active.settled.awaitNanos(left);
            }
            for (RunningTask rt : List.copyOf(active.handed())) {
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
            active.lock.unlock();
        }
        if (toClose != null) {
            toClose.close(); // outside the lock: its reader thread may still be delivering events
        }
        closeReattached();
    }

    @Override
    public void detach() {
        Launcher toClose;
        active.lock.lock();
        try {
            dispatching = false;
            closed = true;
            toClose = launcher;
            launcher = null;
        } finally {
            active.lock.unlock();
        }
        if (toClose != null) {
            toClose.release(); // its queue is dropped; what it started runs on, supervised, to its end
        }
        closeReattached(); // they go on supervising, and wait for the next host
        backoff.close();
        watcher.close();
    }

    @Override
    public void close() {
        stop();
        closed = true;
        backoff.close();
        watcher.close();
    }

    private void closeReattached() {
        List<LauncherConnection> connections;
        active.lock.lock();
        try {
            connections = List.copyOf(reattached);
            reattached.clear();
        } finally {
            active.lock.unlock();
        }
        connections.forEach(LauncherConnection::close); // outside the lock, like a launcher's
    }

    void requestTerminate(RunningTask rt, Outcomes.TerminateReason reason) {
        if (rt.terminateReason != null) {
            return;
        }
        rt.terminateReason = reason;
        rt.terminateSentNanos = System.nanoTime();
        sendTerminate(rt);
    }

    /**
     * A task of a live launcher, this host's or a reattached one, is ended by it (dropped if still queued
     * there). A watched task that has started is ended by this host's launcher through its process group,
     * after checking that its pid still names it. A task whose start is not known yet is ended once it is.
     */
    private void sendTerminate(RunningTask rt) {
        try {
            if (!rt.watched && rt.launcher != null && rt.launcher.isAlive()) {
                rt.launcher.kill(rt.key);
            } else if (rt.hasStarted()) {
                ensureLauncher().killOther(rt.identity(), settings.killGrace());
            }
        } catch (IOException | Launcher.LauncherException e) {
            log.warn("cannot ask a launcher to end task {} ({}); the host will kill it itself if it does not end", rt.taskId,
                    e.getMessage());
        }
    }

    // ------------------------------------------------------------------ dispatching

    void fill() {
        fillSlots();
        if (dispatching && !closed) {
            backoff.wakeWhenDue();
        }
    }

    private void fillSlots() {
        while (dispatching && !closed) {
            List<RunningTask> batch = new ArrayList<>();
            QueuedTask next;
            while (backoff.mayHandOut(waitsToStart)
                    && (next = active.queue.next(settings.parallelism() + prefetch - active.usedSlots())) != null) {
                RunningTask rt = prepare(next);
                if (rt != null) {
                    active.register(rt);
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
            if (send(l, batch)) {
                return;
            }
        }
    }

    /** Sends a batch to the launcher; false when the launcher stopped taking requests (its tasks are then watched). */
    private boolean send(Launcher l, List<RunningTask> batch) {
        List<SpawnRequest> spawn = new ArrayList<>(batch.size());
        String shortage = null;
        for (RunningTask rt : batch) {
            if (shortage != null) {
                defer(rt, rt.task, shortage); // behind one that must wait: they keep their order
                continue;
            }
            try {
                spawn.add(requests.of(rt));
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
            l.send(spawn);
            return true;
        } catch (IOException e) {
            log.warn("the launcher stopped taking requests ({}); its tasks are watched from now on", e.toString());
            launcher = null;
            loseSightOf(l);
            return false;
        }
    }

    /** Tasks waiting to start: queued, or handed to the launcher and not started (those may come back). */
    private int waiting() {
        return active.queue.size() + (int) active.handed().stream().filter(rt -> !rt.watched && !rt.hasStarted()).count();
    }

    /** A task handed to the launcher that has not started and is still ours. */
    private boolean waitsToStart(RunningTask rt) {
        return active.holds(rt) && !rt.hasStarted();
    }

    /**
     * A task that could not start for want of a resource goes back to its place in the queue as if it had
     * never left it (nothing is journaled, no listener hears of it), and dispatch pauses. {@code retry} is
     * the attempt to try next. A task asked to end meanwhile ends, as one that never started.
     */
    void defer(RunningTask rt, QueuedTask retry, String why) {
        active.unregister(rt);
        if (rt.terminateReason != null) {
            endQueued(retry, Outcomes.terminatedWhileQueued(rt.terminateReason));
        } else if (!closed) {
            active.queue.putBack(retry);
            backoff.failed(why, waiting());
        }
        active.settled.signalAll();
    }

    /** The attempt to try again after attempt {@code rt}, which never ran its command: the same one, once its file is gone. */
    QueuedTask retryOf(RunningTask rt) {
        return stateFiles.discard(rt.taskId, rt.task.attempt()) ? rt.task : rt.task.asAttempt(rt.task.attempt() + 1);
    }

    /** A task started while dispatch was paused for want of a resource: the resource is back. */
    void startedAfterPause() {
        if (backoff.isPaused()) {
            backoff.started();
            fill();
        }
    }

    /** The launcher may fill the slots that tasks it did not start leave free. */
    private void updateLauncherSlots() {
        int slots = Math.max(0, settings.parallelism() - active.foreignSlots());
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
     * dead host may have handed out. If that attempt got there first after all, it is followed (watched)
     * instead, and nothing new starts.
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
                active.queue.putBack(next); // the same attempt is claimed when it is tried again: a failed claim leaves nothing
                backoff.failed("cannot claim the task's state file in " + stateFiles.dir() + ": " + e.getMessage(), waiting());
                return null;
            }
            RunningTask rt = new RunningTask(next.asAttempt(next.attempt() + 1));
            active.register(rt);
            end(rt, Outcomes.queueingError("cannot claim the task's state file in " + stateFiles.dir() + ": " + e.getMessage()), null);
            return null;
        }
        log.warn("task {}: attempt {} was started by a host that died after all; following it", taskId, next.attempt());
        RunningTask late = new RunningTask(next.asAttempt(next.attempt()));
        late.watched = true;
        late.foreign = true;
        return late;
    }

    private Launcher ensureLauncher() throws Launcher.LauncherException {
        if (launcher != null && launcher.isAlive()) {
            return launcher;
        }
        LauncherEvents listener = new LauncherEvents(this, active);
        int slots = Math.max(0, settings.parallelism() - active.foreignSlots());
        launcher = Launcher.start(settings.agent(), stateFiles.dir(), slots, settings.sampleInterval(), settings.launcherLog(),
                settings.environment(), listener);
        launcherSlots = slots;
        clockTicksPerSecond = launcher.clockTicksPerSecond();
        listener.ownedBy(launcher);
        return launcher;
    }

    // ------------------------------------------------------------------ starts and ends

    void markStarted(RunningTask rt, long pid, long startTicks, long clockTicks) {
        events.started(rt, pid, startTicks, clockTicks);
        if (rt.terminateReason != null && rt.watched) {
            sendTerminate(rt);
        }
    }

    /** Records how a task ended. Caller holds the lock, and calls {@link #fill()} afterwards. */
    void end(RunningTask rt, Outcome outcome, TaskRecord record) {
        events.ended(rt, outcome, record);
    }

    void endQueued(QueuedTask q, Outcome outcome) {
        events.endedQueued(q, outcome);
    }

    /** A task's process is gone and nobody recorded how it ended: its launcher died with it, or before it. */
    Outcome endWithoutResult(RunningTask rt) {
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

    /** A launcher (this host's, or a reattached one) went away: its tasks are watched from now on. */
    void launcherGone(LauncherLink gone, String reason) {
        lastLauncherEnd = reason;
        if (gone == null) {
            return;
        }
        if (launcher == gone) {
            launcher = null;
        }
        loseSightOf(gone);
    }

    /** The tasks a launcher had started become watched; those it never confirmed get checked before they are retried. */
    private void loseSightOf(LauncherLink gone) {
        long now = System.nanoTime();
        for (RunningTask rt : active.handed()) {
            if (!rt.watched && rt.launcher == gone) {
                rt.watched = true;
                active.makeForeign(rt);
                if (!rt.hasStarted()) {
                    rt.unconfirmedSince = now;
                }
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the distributor is closed");
        }
    }
}
