package dev.multiproc.core;

import dev.multiproc.launcher.LauncherConnection;
import dev.multiproc.launcher.Launcher;
import dev.multiproc.launcher.LauncherLink;
import dev.multiproc.proc.ProcessTrees;
import dev.multiproc.state.StateFiles;
import dev.multiproc.state.TaskRecord;
import dev.multiproc.cluster.TaskInstanceStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
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
    private final SlotFiller filler;
    private final StateFileWatcher watcher;
    private final Reattachment reattachment;
    private boolean dispatching;
    private volatile boolean closed;
    private Launcher launcher;
    /** Why the last launcher went away, for the message of a task it took down with it. */
    private String lastLauncherEnd;

    LocalBackend(DispatchSettings settings, ActiveTasks active, TaskEvents events) {
        this.settings = settings;
        this.active = active;
        this.events = events;
        this.stateFiles = settings.stateFiles();
        this.filler = new SlotFiller(this, active, settings);
        this.reattachment = new Reattachment(this, active, stateFiles);
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
     * Takes over the launchers an earlier host left running (see {@link Reattachment}), then ends the adopted
     * tasks recovery asked to end: through their launcher when it was reattached.
     */
    @Override
    public void reconnect() {
        reattachment.attachSurvivors(launcher == null ? -1 : launcher.pid());
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
        return locked(() -> dispatching);
    }

    @Override
    public Optional<String> pauseReason() {
        return locked(filler::pauseReason);
    }

    @Override
    public int rememberedLogDirectories() {
        return locked(filler::rememberedLogDirectories);
    }

    private <T> T locked(java.util.function.Supplier<T> read) {
        active.lock.lock();
        try {
            return read.get();
        } finally {
            active.lock.unlock();
        }
    }

    /** The unit of process start times, from the last launcher's handshake. */
    long clockTicksPerSecond() {
        return dev.multiproc.proc.ProcessIdentity.clockTicksPerSecond();
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
            active.awaitStartedOrGone(handed, Duration.ofSeconds(2));
            fill();
        } finally {
            active.lock.unlock();
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
        reattachment.close();
    }

    @Override
    public void detach() {
        active.lock.lock();
        try {
            closed = true;
            stopDispatching();
        } finally {
            active.lock.unlock();
        }
        reattachment.close(); // they go on supervising, and wait for the next host
        filler.close();
        watcher.close();
    }

    @Override
    public void close() {
        stop();
        closed = true;
        filler.close();
        watcher.close();
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

    // ------------------------------------------------------------------ dispatching (see SlotFiller)

    void fill() {
        filler.fill();
    }

    void defer(RunningTask rt, QueuedTask retry, String why) {
        filler.defer(rt, retry, why);
    }

    QueuedTask retryOf(RunningTask rt) {
        return filler.retryOf(rt);
    }

    void startedAfterPause() {
        filler.startedAfterPause();
    }

    /** Whether queued tasks may be handed out now (never by a host whose name another took over). Caller holds the lock. */
    boolean handsOut() {
        if (dispatching && !closed) {
            events.hostSupplanted().ifPresent(why -> { // another host took over this host's name and tasks: it stands down
                log.error("this host starts no task more: {}", why);
                stopDispatching();
            });
        }
        return dispatching && !closed;
    }

    /** Hands out nothing more; the launcher drops what it has not started and supervises what runs. Caller holds the lock. */
    private void stopDispatching() {
        dispatching = false;
        if (launcher != null) {
            launcher.release();
            launcher = null;
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** The launcher stopped taking requests: its tasks are watched from now on. */
    void launcherBroke(Launcher l) {
        if (launcher == l) {
            launcher = null;
        }
        loseSightOf(l);
    }

    /** This host's launcher, when it has one; null otherwise. */
    Launcher currentLauncher() {
        return launcher;
    }

    /** This host's launcher; started (given the slots it may fill) when it has none that lives. */
    Launcher ensureLauncher() throws Launcher.LauncherException {
        if (launcher != null && launcher.isAlive()) {
            return launcher;
        }
        LauncherEvents listener = new LauncherEvents(this, active);
        int slots = filler.launcherSlots();
        launcher = Launcher.start(settings.launcherBinary(), stateFiles.dir(), slots, settings.sampleInterval(), settings.launcherLog(),
                settings.environment(), listener);
        filler.launcherStarted(slots);
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
        return Outcomes.endedWithoutLauncher(rt.terminateReason, rt.pid, rt.pidStartedMs, lastLauncherEnd);
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
