package dev.multiproc.core;

import dev.multiproc.OrphanPolicy;
import dev.multiproc.proc.ProcStat;
import dev.multiproc.proc.ProcessIdentity;
import dev.multiproc.proc.ProcessTrees;
import dev.multiproc.state.StateFiles;
import dev.multiproc.state.TaskRecord;
import dev.multiproc.launcher.TransientErrors;
import dev.multiproc.journal.JobRow;
import dev.multiproc.journal.RecoveryCounts;
import dev.multiproc.journal.TaskJournal;
import dev.multiproc.journal.TaskStartRow;
import dev.multiproc.journal.UnfinishedTaskRow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settles every task the journal does not show as finished, when a host starts on a journal.
 *
 * <p>Only tasks submitted by earlier sessions are settled: what this session submitted before
 * {@code start()} is already queued. A task's state files decide, because a task's shell writes its
 * identity there before the command runs and its launcher adds the result when the command ends, whether
 * or not a host is alive to see it. For the latest attempt that has a file:
 * <ul>
 * <li>a result: the task finished while no host watched; its true exit is recorded. Unless the result
 *     says its launcher could not get it to its command for want of a resource (a full disk, say): then it
 *     never ran, and is queued again like a task that never started;</li>
 * <li>an identity whose process is alive with the same start tick: reattached (or, with orphan policy
 *     {@code kill}, terminated with its tree);</li>
 * <li>an identity whose process is gone (or whose pid now belongs to another process): lost;</li>
 * <li>no file, or an empty one (a claim): the task never started. It is queued again, in submission
 *     order; before it starts, the attempt the dead host may have handed out is claimed, so a task of that
 *     attempt starting late cannot run it too.</li>
 * </ul>
 * Recovery writes nothing per task before dispatch resumes: the claims are made one by one as the
 * tasks start, and the attempt that runs is journaled with its start.
 */
final class Recovery {
    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    private final TaskJournal journal;
    private final StateFiles stateFiles;
    private final ActiveTasks active;
    private final TaskEvents events;
    private final Backend backend;
    private final OrphanPolicy policy;
    private final int sessionId;

    Recovery(TaskJournal journal, StateFiles stateFiles, ActiveTasks active, TaskEvents events, Backend backend, OrphanPolicy policy,
            int sessionId) {
        this.journal = journal;
        this.stateFiles = stateFiles;
        this.active = active;
        this.events = events;
        this.backend = backend;
        this.policy = policy;
        this.sessionId = sessionId;
    }

    /** A local host would take a Slurm job for a process that is gone: it leaves them to a host on Slurm. */
    private static void refuseSlurmJobs(List<String> slurmJobs) {
        if (!slurmJobs.isEmpty()) {
            throw new IllegalStateException("the journal's unfinished tasks " + String.join(", ", slurmJobs.stream().limit(5).toList())
                    + (slurmJobs.size() > 5 ? "..." : "") + " are Slurm jobs; a host on Slurm settles them (cluster: slurm, or multiproc run "
                    + "--cluster slurm), not a local one");
        }
    }

    RecoveryCounts run() throws IOException {
        long t0 = System.nanoTime();
        var rows = journal.unfinishedBefore(sessionId);
        Map<Long, JobSpec> specs = new HashMap<>();
        if (!rows.isEmpty()) {
            refuseSlurmJobs(journal.slurmTasksUnfinishedBefore(sessionId));
            for (JobRow job : journal.jobsWithUnfinishedTasksBefore(sessionId)) {
                specs.put(job.jobId(), spec(job));
            }
        }
        Map<String, Integer> latestAttempt = latestAttempts(stateFiles.listKeys());
        long uncertainBelow = journal.uncertainBelowJob().orElse(0L);
        int reattached = 0;
        int finished = 0;
        int lost = 0;
        int killed = 0;
        int requeued = 0;
        Map<Long, QueuedJob> requeue = new LinkedHashMap<>();
        for (UnfinishedTaskRow row : rows) {
            JobSpec spec = specs.get(row.jobId());
            Integer latest = latestAttempt.remove(row.taskId());
            int attempt = latest == null ? row.attempt() : Math.max(latest, row.attempt());
            QueuedTask task = new QueuedTask(spec, row.step(), attempt, false);
            Attempt seen = Attempt.inspect(stateFiles, row.taskId(), attempt);
            if (seen.fate() == Attempt.Fate.ABSENT && row.pid() != null) {
                // the journal saw this attempt start, but its state file is gone: judge it by the journaled pid
                log.warn("task {}: its state file is missing; judging it by its journaled pid {}", row.taskId(), row.pid());
                TaskRecord journaled = new TaskRecord(row.pid(), row.pidStartTicks() == null ? 0 : row.pidStartTicks(),
                        row.startedMs() == null ? 0 : row.startedMs(), null, null);
                seen = new Attempt(journaled.identity().isAlive() ? Attempt.Fate.RUNNING : Attempt.Fate.LOST, journaled);
            }
            if ((seen.fate() == Attempt.Fate.ABSENT || seen.fate() == Attempt.Fate.CLAIMED) && row.jobId() < uncertainBelow) {
                settle(task, Outcomes.lost("the journal was rebuilt after it lost commits (see the journal_repairs view), and "
                        + "whether this task ran is unknown: it is not run again"), null);
                lost++;
                continue;
            }
            switch (seen.fate()) {
                case ABSENT, CLAIMED -> {
                    int claim = seen.fate() == Attempt.Fate.CLAIMED ? attempt + 1 : attempt;
                    requeue.computeIfAbsent(row.jobId(), id -> QueuedJob.none(spec)).addRequeued(row.step(), claim);
                    requeued++;
                }
                case FINISHED -> {
                    if (TransientErrors.isTransient(seen.record().result())) {
                        // never ran; its host may have handed out the next attempt before it died: that is claimed first
                        requeue.computeIfAbsent(row.jobId(), id -> QueuedJob.none(spec)).addRequeued(row.step(), attempt + 1);
                        requeued++;
                    } else {
                        settle(task, Outcomes.fromResult(seen.record(), null), seen.record());
                        finished++;
                    }
                }
                case LOST -> {
                    TaskRecord r = seen.record();
                    int leftovers = ProcessTrees.killTask(r.identity());
                    settle(task, Outcomes.lost(Outcomes.describeProcess(r.pid(), ProcessIdentity.startInstant(r.startTicks()))
                            + " is gone (or its pid now belongs to another process) and no exit status was recorded: its launcher "
                            + "died too" + (leftovers > 0 ? "; " + leftovers + " processes it left behind were killed" : "")), r);
                    lost++;
                }
                default -> {
                    // RUNNING, ENDING (its launcher is about to record the end) or STARTING: follow it
                    adopt(task, seen.record(), row);
                    if (policy == OrphanPolicy.KILL) {
                        killed++;
                    } else {
                        reattached++;
                    }
                }
            }
        }
        for (QueuedJob job : requeue.values()) {
            active.enqueue(job);
        }
        if (!requeue.isEmpty()) {
            backend.dispatch();
        }
        sweep(latestAttempt.keySet());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        RecoveryCounts counts = new RecoveryCounts(reattached, finished, lost, requeued, killed, ms);
        journal.recordRecovery(sessionId, counts);
        return counts;
    }

    /** A task still running (or about to be recorded) from a dead host: it becomes this host's, or with orphan policy kill, ends. */
    private void adopt(QueuedTask task, TaskRecord r, UnfinishedTaskRow row) {
        RunningTask rt = r == null ? new RunningTask(task) : RunningTask.fromRecord(task, r);
        if (r != null && (!"RUNNING".equals(row.state()) || row.attempt() != task.attempt())) {
            journal.started(new TaskStartRow(rt.taskId, task.attempt(), rt.pid, rt.startTicks, rt.pidStartedMs, rt.startedMs, sessionId));
        }
        if (policy == OrphanPolicy.KILL) {
            rt.terminateReason = Outcomes.TerminateReason.RECOVERY;
            rt.terminateSentNanos = System.nanoTime();
        }
        backend.adopt(rt); // with orphan policy kill, the backend ends it with its process group once it has reconnected
    }

    private void settle(QueuedTask task, Outcome outcome, TaskRecord record) {
        RunningTask rt = record == null ? new RunningTask(task) : RunningTask.fromRecord(task, record);
        active.lock.lock();
        try {
            events.ended(rt, outcome, record);
        } finally {
            active.lock.unlock();
        }
    }

    /** The highest attempt with a state file, by task id, from file names {@code TASKID-ATTEMPT}. */
    private static Map<String, Integer> latestAttempts(Iterable<String> names) {
        Map<String, Integer> latest = new HashMap<>();
        for (String name : names) {
            int dash = name.lastIndexOf('-');
            if (dash <= 0) {
                continue;
            }
            try {
                int attempt = Integer.parseInt(name.substring(dash + 1));
                latest.merge(name.substring(0, dash), attempt, Math::max);
            } catch (NumberFormatException e) {
                // not a state file
            }
        }
        return latest;
    }

    /**
     * State files of tasks the journal shows as finished: their end was committed before the host died,
     * the deletion was not. Temporary files of claims whose host is gone go too.
     */
    private void sweep(Iterable<String> finishedTaskIds) throws IOException {
        Map<String, Integer> strays = new HashMap<>();
        for (String id : finishedTaskIds) {
            strays.put(id, 0);
        }
        try (var files = Files.newDirectoryStream(stateFiles.dir())) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    String[] parts = name.split("\\.");
                    long writer = parts.length >= 3 ? parseLong(parts[parts.length - 2]) : -1; // KEY.claim.PID.tmp
                    if (writer <= 0 || !ProcStat.read(writer).map(ProcStat::isLive).orElse(false)) {
                        stateFiles.deleteFile(p);
                    }
                    continue;
                }
                int dash = name.lastIndexOf('-');
                if (dash > 0 && strays.containsKey(name.substring(0, dash))) {
                    stateFiles.deleteFile(p);
                }
            }
        }
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static JobSpec spec(JobRow job) {
        Resources r = new Resources(job.cores(), job.memoryBytes(), job.runtimeS(), null, null, job.stdoutPath(), job.stderrPath());
        return new JobSpec(job.jobId(), job.name(), job.command(), r, job.arrayLength(), environment(job));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> environment(JobRow job) {
        if (job.environment() == null) {
            return Map.of();
        }
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readValue(job.environment(), Map.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new dev.multiproc.journal.JournalException("job " + job.jobId() + " has an environment that is not a JSON object: "
                    + e.getOriginalMessage(), e);
        }
    }

    /** Logs what recovery of the journal in {@code journalDir} found. */
    static void log(RecoveryCounts c, Path journalDir, OrphanPolicy policy) {
        if (c.total() == 0) {
            log.debug("recovery: nothing to recover ({} ms)", c.recoveryMs());
            return;
        }
        log.info("recovery of journal {}: {} reattached, {} finished while no host watched, {} lost, {} queued again, {} killed "
                + "(orphan policy {}) in {} ms", journalDir, c.reattached(), c.finishedWhileDown(), c.lost(), c.requeued(), c.killed(),
                policy.name().toLowerCase(java.util.Locale.ROOT), c.recoveryMs());
    }
}
