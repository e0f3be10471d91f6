package dev.multiproc.core;

import dev.multiproc.journal.TaskJournal;
import dev.multiproc.slurm.JobRequest;
import dev.multiproc.slurm.SlurmCommandException;
import dev.multiproc.slurm.SlurmCommands;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Submits the queued tasks of the {@link SlurmBackend}: one sbatch per job (an array is one Slurm array job), the
 * tasks handed (active) before sbatch runs, their Slurm ids journaled right after it answered. A refusal is each
 * task's queueing error; a transient failure puts the tasks back in the queue for the next poll.
 */
final class SlurmSubmitter {
    private static final Logger log = LoggerFactory.getLogger(SlurmSubmitter.class);

    private final SlurmCommands slurm;
    private final SlurmJobs jobs;
    private final ActiveTasks active;
    private final TaskEvents events;
    private final TaskJournal journal;
    private final BooleanSupplier handsOut;
    private final Consumer<List<String>> canceller;

    SlurmSubmitter(SlurmCommands slurm, SlurmJobs jobs, ActiveTasks active, TaskEvents events, TaskJournal journal,
            BooleanSupplier handsOut, Consumer<List<String>> canceller) {
        this.slurm = slurm;
        this.jobs = jobs;
        this.active = active;
        this.events = events;
        this.journal = journal;
        this.handsOut = handsOut;
        this.canceller = canceller;
    }

    /** Takes every queued task and submits them, a job's tasks at once. */
    void submitQueued() {
        Map<Long, List<RunningTask>> byJob = new LinkedHashMap<>();
        active.lock.lock();
        try {
            if (!handsOut.getAsBoolean()) {
                return;
            }
            QueuedTask t;
            while ((t = active.queue.next(Integer.MAX_VALUE)) != null) {
                RunningTask rt = new RunningTask(t.claimFirst() ? t.asAttempt(t.attempt() + 1) : t);
                active.register(rt);
                byJob.computeIfAbsent(t.spec().jobId(), id -> new ArrayList<>()).add(rt);
            }
        } finally {
            active.lock.unlock();
        }
        for (List<RunningTask> tasks : byJob.values()) {
            submit(tasks);
        }
    }

    private void submit(List<RunningTask> tasks) {
        JobSpec spec = tasks.get(0).task.spec();
        String slurmId;
        try {
            JobRequest request = jobs.request(spec, tasks.stream().map(rt -> rt.task.step()).toList());
            slurmId = slurm.submit(request);
        } catch (SlurmCommandException e) {
            if (e.isTransient()) {
                log.warn("Slurm refused job {} for now; trying again at the next poll: {}", spec.jobId(), e.getMessage());
                putBack(tasks);
            } else {
                refuse(tasks, "Slurm refused the job: " + e.getMessage());
            }
            return;
        } catch (IllegalArgumentException | IOException e) {
            refuse(tasks, "cannot submit to Slurm: " + e.getMessage());
            return;
        }
        Map<String, String> ids = new LinkedHashMap<>();
        List<String> cancel = new ArrayList<>();
        active.lock.lock();
        try {
            for (RunningTask rt : tasks) {
                rt.slurmJobId = spec.isArray() ? slurmId + "_" + rt.task.step() : slurmId;
                ids.put(rt.taskId, rt.slurmJobId);
                if (rt.terminateReason != null && active.holds(rt)) {
                    cancel.add(rt.slurmJobId);
                }
            }
        } finally {
            active.lock.unlock();
        }
        journal.slurmSubmitted(ids);
        canceller.accept(cancel);
    }

    private void putBack(List<RunningTask> tasks) {
        active.lock.lock();
        try {
            for (RunningTask rt : tasks) {
                if (active.holds(rt)) {
                    active.unregister(rt);
                    if (rt.terminateReason != null) {
                        events.endedQueued(rt.task, Outcomes.terminatedWhileQueued(rt.terminateReason));
                    } else {
                        active.queue.putBack(rt.task);
                    }
                }
            }
            active.signalSettled();
        } finally {
            active.lock.unlock();
        }
    }

    private void refuse(List<RunningTask> tasks, String message) {
        active.lock.lock();
        try {
            for (RunningTask rt : tasks) {
                if (active.holds(rt)) {
                    events.ended(rt, Outcomes.queueingError(message), null);
                }
            }
        } finally {
            active.lock.unlock();
        }
    }

}
