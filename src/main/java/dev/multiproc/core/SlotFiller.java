package dev.multiproc.core;

import dev.multiproc.launcher.Launcher;
import dev.multiproc.launcher.SpawnRequest;
import dev.multiproc.state.StateFiles;
import dev.multiproc.launcher.TransientErrors;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills the local backend's slots from the queue: claims what recovery requeued, builds spawn requests
 * and hands them to the launcher, a few beyond the free slots so it starts the next without a round trip.
 * A task that cannot start for want of a resource goes back to its place, and dispatch pauses
 * ({@link StartBackoff}). Callers hold the {@link ActiveTasks} lock.
 */
final class SlotFiller {
    private static final Logger log = LoggerFactory.getLogger(SlotFiller.class);

    private final LocalBackend backend;
    private final ActiveTasks active;
    private final DispatchSettings settings;
    private final StateFiles stateFiles;
    private final LaunchRequests requests;
    /** Tasks handed to the launcher beyond the free slots, so it starts the next one without a round trip. */
    private final int prefetch;
    private final StartBackoff backoff;
    private final Predicate<RunningTask> waitsToStart = this::waitsToStart;
    private int launcherSlots = -1;

    SlotFiller(LocalBackend backend, ActiveTasks active, DispatchSettings settings) {
        this.backend = backend;
        this.active = active;
        this.settings = settings;
        this.stateFiles = settings.stateFiles();
        this.requests = new LaunchRequests(settings);
        this.prefetch = Integer.getInteger("multiproc.prefetch", Math.min(settings.parallelism(), 64));
        this.backoff = new StartBackoff(active.lock, this::fill);
    }

    Optional<String> pauseReason() {
        return backoff.pauseReason();
    }

    int rememberedLogDirectories() {
        return requests.rememberedDirectories();
    }

    /** The slots this host's launcher may fill: those that tasks it did not start leave free. */
    int launcherSlots() {
        return Math.max(0, settings.parallelism() - active.foreignSlots());
    }

    /** A new launcher was started with {@code slots}. */
    void launcherStarted(int slots) {
        launcherSlots = slots;
    }

    void close() {
        backoff.close();
    }

    /** Hands queued tasks to the launcher while slots are free (and dispatch is not paused). */
    void fill() {
        fillSlots();
        if (backend.handsOut()) {
            backoff.wakeWhenDue();
        }
    }

    private void fillSlots() {
        while (backend.handsOut()) {
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
                l = backend.ensureLauncher();
            } catch (Launcher.LauncherException e) {
                for (RunningTask rt : batch) {
                    if (e.isTransient()) {
                        defer(rt, rt.task, e.getMessage());
                    } else {
                        backend.end(rt, Outcomes.queueingError(e.getMessage()), null);
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
                    backend.end(rt, Outcomes.queueingError(why), null);
                }
            }
        }
        try {
            l.send(spawn);
            return true;
        } catch (IOException e) {
            log.warn("the launcher stopped taking requests ({}); its tasks are watched from now on", e.toString());
            backend.launcherBroke(l);
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
            backend.endQueued(retry, Outcomes.terminatedWhileQueued(rt.terminateReason));
        } else if (!backend.isClosed()) {
            active.queue.putBack(retry);
            backoff.failed(why, waiting());
        }
        active.signalSettled();
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
        int slots = launcherSlots();
        Launcher launcher = backend.currentLauncher();
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
            backend.end(rt, Outcomes.queueingError("cannot claim the task's state file in " + stateFiles.dir() + ": " + e.getMessage()), null);
            return null;
        }
        log.warn("task {}: attempt {} was started by a host that died after all; following it", taskId, next.attempt());
        RunningTask late = new RunningTask(next.asAttempt(next.attempt()));
        late.watched = true;
        late.foreign = true;
        return late;
    }
}
