package dev.multiproc.core;

import dev.multiproc.OrphanPolicy;
import dev.multiproc.journal.JobRow;
import dev.multiproc.journal.RecoveryCounts;
import dev.multiproc.journal.TaskJournal;
import dev.multiproc.journal.UnfinishedTaskRow;
import dev.multiproc.slurm.JobAccounting;
import dev.multiproc.slurm.JobState;
import dev.multiproc.slurm.SlurmCommands;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Settles, when a host starts on a journal under {@code cluster: slurm}, every task earlier hosts left unfinished,
 * from what Slurm says of its job:
 * <ul>
 * <li>no Slurm id journaled: its host died before or right after sbatch. A job of this journal's comment for it
 *     is looked for (squeue and sacct); found, the task is that job's, else it is queued again (it never ran);</li>
 * <li>still pending or running: followed again (with orphan policy {@code kill}, cancelled);</li>
 * <li>finished while no host watched: its true exit, from sacct;</li>
 * <li>unknown to Slurm and to its accounting: lost, with why.</li>
 * </ul>
 */
final class SlurmRecovery {
    private final TaskJournal journal;
    private final SlurmCommands slurm;
    private final SlurmJobs jobs;
    private final ActiveTasks active;
    private final TaskEvents events;
    private final Backend backend;
    private final OrphanPolicy policy;
    private final int sessionId;

    SlurmRecovery(TaskJournal journal, SlurmCommands slurm, SlurmJobs jobs, ActiveTasks active, TaskEvents events, Backend backend,
            OrphanPolicy policy, int sessionId) {
        this.journal = journal;
        this.slurm = slurm;
        this.jobs = jobs;
        this.active = active;
        this.events = events;
        this.backend = backend;
        this.policy = policy;
        this.sessionId = sessionId;
    }

    RecoveryCounts run() {
        long t0 = System.nanoTime();
        List<UnfinishedTaskRow> rows = journal.unfinishedBefore(sessionId);
        int reattached = 0;
        int finished = 0;
        int lost = 0;
        int requeued = 0;
        int killed = 0;
        if (!rows.isEmpty()) {
            Map<Long, JobRow> jobRows = new HashMap<>();
            Map<Long, JobSpec> specs = new HashMap<>();
            for (JobRow job : journal.jobsWithUnfinishedTasksBefore(sessionId)) {
                jobRows.put(job.jobId(), job);
                specs.put(job.jobId(), Recovery.spec(job));
            }
            Map<String, String> slurmIds = new HashMap<>(journal.slurmJobIdsOfUnfinishedBefore(sessionId));
            findSubmittedBeforeTheCrash(rows, jobRows, slurmIds);
            Map<String, JobAccounting> accounting = slurm.accounting(List.copyOf(slurmIds.values()));
            Map<Long, QueuedJob> requeue = new LinkedHashMap<>();
            for (UnfinishedTaskRow row : rows) {
                JobSpec spec = specs.get(row.jobId());
                QueuedTask task = new QueuedTask(spec, row.step(), row.attempt(), false);
                String slurmId = slurmIds.get(row.taskId());
                if (slurmId == null) {
                    requeue.computeIfAbsent(row.jobId(), id -> QueuedJob.none(spec)).add(task);
                    requeued++;
                    continue;
                }
                RunningTask rt = new RunningTask(task);
                rt.slurmJobId = slurmId;
                JobAccounting a = accounting.get(slurmId);
                if (a == null) {
                    settle(rt, Outcomes.lost("Slurm job " + slurmId + " is unknown to Slurm and to its accounting"));
                    lost++;
                } else if (a.state().isFinished()) {
                    settle(rt, SlurmOutcomes.of(a, spec.resources(), null, a.elapsed() != null && !a.elapsed().isZero()));
                    finished++;
                } else {
                    if (a.state() != JobState.PENDING) {
                        rt.remoteStarted = true;
                        rt.startedMs = row.startedMs() != null ? row.startedMs() : System.currentTimeMillis();
                    }
                    if (policy == OrphanPolicy.KILL) {
                        rt.terminateReason = Outcomes.TerminateReason.RECOVERY;
                        rt.terminateSentNanos = System.nanoTime();
                        killed++;
                    } else {
                        reattached++;
                    }
                    backend.adopt(rt);
                }
            }
            for (QueuedJob job : requeue.values()) {
                active.enqueue(job);
            }
        }
        RecoveryCounts counts = new RecoveryCounts(reattached, finished, lost, requeued, killed, (System.nanoTime() - t0) / 1_000_000);
        journal.recordRecovery(sessionId, counts);
        return counts;
    }

    /** Tasks without a journaled Slurm id whose job Slurm has under this journal's comment for it: theirs after all. */
    private void findSubmittedBeforeTheCrash(List<UnfinishedTaskRow> rows, Map<Long, JobRow> jobRows, Map<String, String> slurmIds) {
        Map<Long, List<UnfinishedTaskRow>> missing = new LinkedHashMap<>();
        for (UnfinishedTaskRow row : rows) {
            if (!slurmIds.containsKey(row.taskId())) {
                missing.computeIfAbsent(row.jobId(), id -> new java.util.ArrayList<>()).add(row);
            }
        }
        Map<String, String> found = new LinkedHashMap<>();
        for (Map.Entry<Long, List<UnfinishedTaskRow>> e : missing.entrySet()) {
            JobRow job = jobRows.get(e.getKey());
            Instant since = Instant.ofEpochMilli(job.submittedMs()).minusSeconds(60);
            Map<String, JobState> jobsOfComment = slurm.findByComment(jobs.comment(job.jobId()), since);
            for (UnfinishedTaskRow row : e.getValue()) {
                for (String slurmId : jobsOfComment.keySet()) {
                    int u = slurmId.indexOf('_');
                    boolean match = row.step() == null ? u < 0 : u > 0 && slurmId.substring(u + 1).equals(row.step().toString());
                    if (match) {
                        found.put(row.taskId(), slurmId);
                    }
                }
            }
        }
        if (!found.isEmpty()) {
            slurmIds.putAll(found);
            journal.slurmSubmitted(found).join();
        }
    }

    private void settle(RunningTask rt, Outcome outcome) {
        active.lock.lock();
        try {
            events.ended(rt, outcome, null);
        } finally {
            active.lock.unlock();
        }
    }
}
