package dev.multiproc.core;

import dev.multiproc.journal.TaskJournal;
import dev.multiproc.slurm.JobAccounting;
import dev.multiproc.slurm.JobState;
import dev.multiproc.slurm.QueuedJob;
import dev.multiproc.slurm.SlurmCommandException;
import dev.multiproc.slurm.SlurmCommands;
import dev.multiproc.slurm.SlurmSettings;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Slurm backend: queued tasks become Slurm jobs, one {@code sbatch} per job (an array is ONE Slurm array
 * job), their Slurm ids are journaled right after, one {@code squeue} per poll interval follows every active job,
 * and {@code sacct} says how each ended. Terminating is {@code scancel}. The Slurm commands run on one thread of
 * its own, never under the {@link ActiveTasks} lock, which guards the tasks as for the local backend.
 */
final class SlurmBackend implements Backend {
    private static final Logger log = LoggerFactory.getLogger(SlurmBackend.class);
    /** A job that neither squeue nor sacct knows for this long is lost. */
    private static final long UNKNOWN_PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final SlurmSettings settings;
    private final SlurmCommands slurm;
    private final SlurmJobs jobs;
    private final ActiveTasks active;
    private final TaskEvents events;
    private final TaskJournal journal;
    private final ScheduledExecutorService worker;
    private final SlurmSubmitter submitter;
    private boolean dispatching;
    private boolean following;
    private volatile boolean closed;

    SlurmBackend(SlurmSettings settings, SlurmJobs jobs, ActiveTasks active, TaskEvents events, TaskJournal journal) {
        this.settings = settings;
        this.slurm = settings.commands();
        this.jobs = jobs;
        this.active = active;
        this.events = events;
        this.journal = journal;
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "multiproc-slurm");
            t.setDaemon(true);
            return t;
        });
        // a host whose name another host took over (TaskJournal.supplanted) submits nothing more: its queue is that host's now
        this.submitter = new SlurmSubmitter(slurm, jobs, active, events, journal,
                () -> dispatching && !closed && journal.supplanted().isEmpty(), this::cancel);
    }

    /** Settles what earlier hosts left (see {@link SlurmRecovery}). */
    dev.multiproc.journal.RecoveryCounts recover(dev.multiproc.OrphanPolicy policy, int sessionId) {
        return new SlurmRecovery(journal, slurm, jobs, active, events, this, policy, sessionId).run();
    }

    /** A request sbatch would refuse, or Slurm keep pending forever, is refused at submit; an unreachable Slurm is checked at sbatch. */
    @Override
    public void check(JobSpec spec) {
        try {
            slurm.check(jobs.requestToCheck(spec));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("requested resources cannot run on Slurm: " + e.getMessage(), e);
        } catch (SlurmCommandException e) {
            log.debug("cannot read Slurm's limits now; sbatch will check job {}: {}", spec.jobId(), e.getMessage());
        }
    }

    @Override
    public void start() {
        active.lock.lock();
        try {
            ensureOpen();
            if (dispatching) {
                return;
            }
            dispatching = true;
        } finally {
            active.lock.unlock();
        }
        follow();
    }

    /** One squeue per poll interval from now on; a host that only terminates (kill with no host) follows too. */
    private void follow() {
        active.lock.lock();
        try {
            if (following || closed) {
                return;
            }
            following = true;
        } finally {
            active.lock.unlock();
        }
        long ms = settings.pollInterval().toMillis();
        worker.scheduleWithFixedDelay(this::pollSafely, 0, ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public void dispatch() {
        if (!closed) {
            worker.execute(this::submitSafely);
        }
    }

    @Override
    public void adopt(RunningTask rt) {
        active.lock.lock();
        try {
            rt.foreign = true;
            active.register(rt);
        } finally {
            active.lock.unlock();
        }
    }

    /** Cancels the adopted jobs recovery asked to end (orphan policy kill). */
    @Override
    public void reconnect() {
        List<String> cancel = new ArrayList<>();
        active.lock.lock();
        try {
            for (RunningTask rt : active.handed()) {
                if (rt.terminateReason != null && rt.slurmJobId != null) {
                    cancel.add(rt.slurmJobId);
                }
            }
        } finally {
            active.lock.unlock();
        }
        cancel(cancel);
    }

    @Override
    public void terminate(Collection<String> ids, Outcomes.TerminateReason reason) {
        List<String> cancel = new ArrayList<>();
        active.lock.lock();
        try {
            for (String id : ids) {
                QueuedTask queued = TaskId.parse(id).map(active.queue::remove).orElse(null);
                if (queued != null) {
                    events.endedQueued(queued, Outcomes.terminatedWhileQueued(reason));
                    continue;
                }
                RunningTask rt = active.byId(id);
                if (rt == null) {
                    log.info("terminate: {} is not queued or running here (unknown, or already ended)", id);
                } else if (rt.terminateReason == null) {
                    rt.terminateReason = reason;
                    rt.terminateSentNanos = System.nanoTime();
                    if (rt.slurmJobId != null) {
                        cancel.add(rt.slurmJobId); // else: cancelled as soon as sbatch answers
                    }
                }
            }
        } finally {
            active.lock.unlock();
        }
        cancel(cancel);
        if (!cancel.isEmpty() && !closed) {
            worker.schedule(this::pollSafely, 200, TimeUnit.MILLISECONDS);
            follow();
        }
    }

    /** Stops submitting, drops the queue, cancels every job and waits (a minute at most) until Slurm says each ended. */
    @Override
    public void stop() {
        List<String> cancel = new ArrayList<>();
        active.lock.lock();
        try {
            dispatching = false;
            for (QueuedTask q : active.queue.drain()) {
                events.endedQueued(q, Outcomes.terminatedWhileQueued(Outcomes.TerminateReason.STOP));
            }
            for (RunningTask rt : active.handed()) {
                if (rt.terminateReason == null) {
                    rt.terminateReason = Outcomes.TerminateReason.STOP;
                    if (rt.slurmJobId != null) {
                        cancel.add(rt.slurmJobId);
                    }
                }
            }
        } finally {
            active.lock.unlock();
        }
        cancel(cancel);
        active.lock.lock();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (active.handedCount() > 0 && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                if (worker.isShutdown()) {
                    break;
                }
                worker.execute(this::pollSafely);
                active.settled.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(500)));
            }
            for (RunningTask rt : List.copyOf(active.handed())) {
                log.error("Slurm job {} of task {} did not end within a minute of stop()", rt.slurmJobId, rt.taskId);
                events.ended(rt, Outcomes.lost("Slurm did not report the end of job " + rt.slurmJobId + " within a minute of stop()"),
                        null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            active.lock.unlock();
        }
    }

    /** Lets go of every job: they run on in Slurm, and the next host on the journal settles them. */
    @Override
    public void detach() {
        active.lock.lock();
        try {
            dispatching = false;
            closed = true;
        } finally {
            active.lock.unlock();
        }
        worker.shutdownNow();
    }

    @Override
    public void close() {
        stop();
        closed = true;
        worker.shutdownNow();
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
        return Optional.empty();
    }

    @Override
    public int rememberedLogDirectories() {
        return 0;
    }

    // ------------------------------------------------------------------ submitting (on the worker thread)

    private void submitSafely() {
        try {
            submitter.submitQueued();
        } catch (RuntimeException e) {
            log.warn("submitting to Slurm failed: {}", e.toString());
        }
    }

    // ------------------------------------------------------------------ following (on the worker thread)

    private void pollSafely() {
        try {
            submitter.submitQueued();
            poll();
        } catch (RuntimeException e) {
            log.warn("following the Slurm jobs failed (trying again at the next poll): {}", e.toString());
        }
    }

    /** One squeue for every active job; one sacct for those that ended. */
    private void poll() {
        Set<String> asked = new LinkedHashSet<>();
        active.lock.lock();
        try {
            for (RunningTask rt : active.handed()) {
                if (rt.slurmJobId != null) {
                    int u = rt.slurmJobId.indexOf('_');
                    asked.add(u < 0 ? rt.slurmJobId : rt.slurmJobId.substring(0, u)); // an array by its id: one entry
                }
            }
        } finally {
            active.lock.unlock();
        }
        if (asked.isEmpty()) {
            return;
        }
        Map<String, QueuedJob> queue = new HashMap<>();
        for (QueuedJob j : slurm.queue(asked)) {
            queue.put(j.id(), j);
        }
        List<RunningTask> ended = new ArrayList<>();
        Map<String, String> stuck = new LinkedHashMap<>();
        active.lock.lock();
        try {
            long now = System.currentTimeMillis();
            for (RunningTask rt : active.handed()) {
                if (rt.slurmJobId == null) {
                    continue;
                }
                QueuedJob j = queue.get(rt.slurmJobId);
                if (j == null || j.state().isFinished()) {
                    ended.add(rt);
                } else if (j.isPendingForever() && rt.terminateReason == null) {
                    stuck.put(rt.slurmJobId, j.reason());
                    events.ended(rt, SlurmOutcomes.pendingForever(rt.slurmJobId, j.reason()), null);
                } else if (!rt.remoteStarted && j.state() != JobState.PENDING) {
                    events.startedRemotely(rt, now);
                }
            }
        } finally {
            active.lock.unlock();
        }
        cancel(List.copyOf(stuck.keySet()));
        if (!ended.isEmpty()) {
            settle(ended);
        }
    }

    private void settle(List<RunningTask> ended) {
        Map<String, JobAccounting> accounting = slurm.accounting(ended.stream().map(rt -> rt.slurmJobId).toList());
        active.lock.lock();
        try {
            long now = System.nanoTime();
            for (RunningTask rt : ended) {
                if (!active.holds(rt)) {
                    continue;
                }
                JobAccounting a = accounting.get(rt.slurmJobId);
                if (a != null && a.state().isFinished()) {
                    events.ended(rt, SlurmOutcomes.of(a, rt.task.spec().resources(), rt.terminateReason, rt.hasStarted() || a.elapsed() != null
                            && !a.elapsed().isZero()), null);
                } else if (a == null) {
                    if (rt.waitingSince == 0) {
                        rt.waitingSince = now;
                    } else if (now - rt.waitingSince > UNKNOWN_PATIENCE_NANOS) {
                        events.ended(rt, Outcomes.lost("Slurm job " + rt.slurmJobId + " is unknown to Slurm and to its accounting"), null);
                    }
                }
            }
        } finally {
            active.lock.unlock();
        }
    }

    void cancel(List<String> slurmIds) {
        if (slurmIds.isEmpty()) {
            return;
        }
        try {
            slurm.cancel(slurmIds);
        } catch (SlurmCommandException e) {
            log.warn("cannot cancel Slurm jobs {}: {}", slurmIds, e.getMessage());
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the distributor is closed");
        }
    }
}
