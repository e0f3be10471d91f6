package dev.multiproc.core;

import dev.multiproc.OrphanPolicy;
import dev.multiproc.agent.ProcessIdentity;
import dev.multiproc.agent.ProcessTrees;
import dev.multiproc.agent.StateFiles;
import dev.multiproc.agent.TaskRecord;
import dev.multiproc.journal.JobRow;
import dev.multiproc.journal.Journal;
import dev.multiproc.journal.JournalWriter;
import dev.multiproc.journal.RecoveryCounts;
import dev.multiproc.journal.SessionDao;
import dev.multiproc.journal.TaskDao;
import dev.multiproc.journal.TaskStartRow;
import dev.multiproc.journal.UnfinishedTaskRow;
import dev.multiproc.queue.Resources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settles every task the journal does not show as finished, when a host starts on a journal.
 *
 * <p>Only tasks submitted by earlier sessions are settled: what this session submitted before
 * {@code start()} is already queued. The state file of a task attempt decides, because a supervisor writes it before the command runs
 * and replaces it when the command ends, whether or not a host is alive to see it:
 * <ul>
 * <li>a result in the file: the task finished while no host watched; its true exit is recorded;</li>
 * <li>an identity whose process is alive with the same start tick: reattached (or, with orphan policy
 *     {@code kill}, terminated with its tree);</li>
 * <li>an identity whose process is gone (or whose pid now belongs to another process): lost;</li>
 * <li>no file: the attempt never started. Recovery claims the file first, so a supervisor arriving late
 *     cannot run it, journals the next attempt, and queues it again in submission order.</li>
 * </ul>
 */
final class Recovery {
    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    private final Journal journal;
    private final JournalWriter writer;
    private final StateFiles stateFiles;
    private final Dispatcher dispatcher;
    private final OrphanPolicy policy;
    private final int sessionId;

    Recovery(Journal journal, JournalWriter writer, StateFiles stateFiles, Dispatcher dispatcher, OrphanPolicy policy, int sessionId) {
        this.journal = journal;
        this.writer = writer;
        this.stateFiles = stateFiles;
        this.dispatcher = dispatcher;
        this.policy = policy;
        this.sessionId = sessionId;
    }

    RecoveryCounts run() throws IOException {
        long t0 = System.nanoTime();
        List<UnfinishedTaskRow> rows = journal.jdbi().withExtension(TaskDao.class, d -> d.unfinishedBefore(sessionId));
        Map<Long, JobSpec> specs = new HashMap<>();
        if (!rows.isEmpty()) {
            for (JobRow job : journal.jdbi().withExtension(TaskDao.class, d -> d.jobsWithUnfinishedTasksBefore(sessionId))) {
                specs.put(job.jobId(), spec(job));
            }
        }
        Map<String, Path> files = stateFiles.list();
        int reattached = 0;
        int finished = 0;
        int lost = 0;
        int killed = 0;
        List<UnfinishedTaskRow> requeue = new ArrayList<>();
        for (UnfinishedTaskRow row : rows) {
            JobSpec spec = specs.get(row.jobId());
            QueuedTask task = new QueuedTask(spec, row.step(), row.attempt());
            String key = StateFiles.key(row.taskId(), row.attempt());
            files.remove(key);
            Optional<TaskRecord> record = stateFiles.read(row.taskId(), row.attempt());
            if (record.isEmpty() && !isClaim(row) && stateFiles.claim(row.taskId(), row.attempt())) {
                requeue.add(row);
                continue;
            }
            if (record.isEmpty()) {
                record = stateFiles.read(row.taskId(), row.attempt()); // a supervisor won the race to the file
            }
            if (record.isEmpty()) {
                if (row.pid() != null && new ProcessIdentity(row.pid(), row.pidStartTicks()).isAlive()) {
                    log.warn("task {} is alive (pid {}) but its state file is gone; watching its process", row.taskId(), row.pid());
                    record = Optional.of(new TaskRecord(row.pid(), row.pidStartTicks(), row.startedMs() == null ? 0 : row.startedMs(), null));
                } else if (row.pid() != null) {
                    settle(task, Outcomes.lost(Outcomes.describeProcess(row.pid(), nz(row.pidStartedMs()))
                            + " is gone and its state file is missing"), null, row);
                    lost++;
                    continue;
                } else {
                    requeue.add(row); // the claim exists: a previous recovery claimed it and died before requeueing
                    continue;
                }
            }
            TaskRecord r = record.get();
            if (r.isFinished()) {
                settle(task, Outcomes.fromResult(r, null), r, row);
                finished++;
                continue;
            }
            if (r.identity().isAlive()) {
                RunningTask rt = new RunningTask(task);
                rt.pid = r.pid();
                rt.startTicks = r.startTicks();
                rt.pidStartedMs = ProcessIdentity.startInstant(r.startTicks());
                rt.startedMs = r.t0Ms();
                if (!"RUNNING".equals(row.state())) {
                    writer.started(new TaskStartRow(rt.taskId, rt.pid, rt.startTicks, rt.pidStartedMs, rt.startedMs, sessionId));
                }
                if (policy == OrphanPolicy.KILL) {
                    rt.terminateReason = Outcomes.TerminateReason.RECOVERY;
                    rt.terminateSentNanos = System.nanoTime();
                    ProcessHandle.of(rt.pid).ifPresent(ProcessHandle::destroy);
                    killed++;
                } else {
                    reattached++;
                }
                dispatcher.adopt(rt);
                continue;
            }
            Optional<TaskRecord> again = stateFiles.read(row.taskId(), row.attempt());
            if (again.isPresent() && again.get().isFinished()) {
                settle(task, Outcomes.fromResult(again.get(), null), again.get(), row);
                finished++;
                continue;
            }
            int leftovers = ProcessTrees.killTask(r.identity());
            settle(task, Outcomes.lost(Outcomes.describeProcess(r.pid(), ProcessIdentity.startInstant(r.startTicks()))
                    + " is no longer running (or its pid now belongs to another process) and recorded no exit status"
                    + (leftovers > 0 ? "; " + leftovers + " processes it left behind were killed" : "")), r, row);
            lost++;
        }
        requeue(requeue, specs);
        sweep(files);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        RecoveryCounts counts = new RecoveryCounts(reattached, finished, lost, requeue.size(), killed, ms);
        writer.call(h -> {
            h.attach(SessionDao.class).recordRecovery(sessionId, counts);
            return null;
        }).join();
        return counts;
    }

    private boolean isClaim(UnfinishedTaskRow row) {
        Path file = stateFiles.dir().resolve(StateFiles.key(row.taskId(), row.attempt()));
        try {
            return Files.exists(file) && Files.readString(file, StandardCharsets.US_ASCII).startsWith("claimed");
        } catch (IOException e) {
            return false;
        }
    }

    /** Journals the next attempt of every task that never started, durably, then queues them in submission order. */
    private void requeue(List<UnfinishedTaskRow> rows, Map<Long, JobSpec> specs) {
        if (rows.isEmpty()) {
            return;
        }
        List<String> ids = new ArrayList<>(rows.size());
        for (UnfinishedTaskRow row : rows) {
            ids.add(row.taskId());
        }
        writer.call(h -> {
            TaskDao dao = h.attach(TaskDao.class);
            for (int from = 0; from < ids.size(); from += 1000) {
                dao.requeue(ids.subList(from, Math.min(ids.size(), from + 1000)));
            }
            return null;
        }).join();
        Map<Long, QueuedJob> byJob = new LinkedHashMap<>();
        for (UnfinishedTaskRow row : rows) {
            byJob.computeIfAbsent(row.jobId(), id -> QueuedJob.none(specs.get(id))).add(row.step(), row.attempt() + 1);
        }
        for (QueuedJob job : byJob.values()) {
            dispatcher.enqueue(job);
        }
    }

    private void settle(QueuedTask task, Outcome outcome, TaskRecord record, UnfinishedTaskRow row) {
        RunningTask rt = new RunningTask(task);
        if (record != null) {
            rt.pid = record.pid();
            rt.startTicks = record.startTicks();
            rt.pidStartedMs = ProcessIdentity.startInstant(record.startTicks());
            rt.startedMs = record.t0Ms();
        } else if (row.pid() != null) {
            rt.pid = row.pid();
            rt.startTicks = nz(row.pidStartTicks());
            rt.pidStartedMs = nz(row.pidStartedMs());
            rt.startedMs = nz(row.startedMs());
        }
        dispatcher.settle(rt, outcome, record);
    }

    /** State files of tasks the journal already shows as finished: their end was committed before the host died. */
    private void sweep(Map<String, Path> strays) {
        for (Path p : strays.values()) {
            stateFiles.deleteFile(p);
        }
        try (var tmp = Files.newDirectoryStream(stateFiles.dir(), "*.tmp")) {
            for (Path p : tmp) {
                stateFiles.deleteFile(p);
            }
        } catch (IOException e) {
            log.debug("cannot sweep temporary state files: {}", e.toString());
        }
    }

    private static JobSpec spec(JobRow job) {
        Resources r = new Resources(job.cores(), job.memoryBytes(), job.runtimeS(), null, null, job.stdoutPath(), job.stderrPath());
        return new JobSpec(job.jobId(), job.name(), job.command(), r, job.arrayLength());
    }

    private static long nz(Long v) {
        return v == null ? 0 : v;
    }
}
