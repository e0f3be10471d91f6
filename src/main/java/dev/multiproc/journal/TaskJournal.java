package dev.multiproc.journal;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * The task history of one host, as the core sees it: every lifecycle write and every read it needs,
 * and nothing about how they are stored. The way db-scheduler's scheduler sees only its task
 * repository; the H2 journal ({@link H2TaskJournal}) is the one implementation today.
 *
 * <p>Submissions, pops and session changes are <em>durable</em>: their future completes (or the call
 * returns) once a {@code kill -9} of the host can no longer lose them. Task starts and ends are written
 * in the background, because the task's own state file is the truth until they are: {@code afterDurable}
 * runs once an end is durable (it removes the task's state file).
 */
public interface TaskJournal extends AutoCloseable {

    /** The first job id not yet handed out: ids are never reused, even after history is pruned. */
    long nextJobId();

    /**
     * Serves the journal to the other processes of this machine ({@code status}, {@code kill}) while this host holds it;
     * null where they reach the journal without this host (a server database).
     */
    default JournalServer startLocalServer() {
        return null;
    }

    /** Whether other processes leave their requests ({@code kill}) in the journal itself, for this host to poll, without a local server. */
    default boolean requestsReachTheJournal() {
        return false;
    }

    /**
     * Why this host may no longer act for its name: another host of the name took the journal's lock for it while this one
     * had lost it, and took over its tasks. Then this host must start no task more. Empty while the journal is this host's.
     */
    default java.util.Optional<String> supplanted() {
        return java.util.Optional.empty();
    }

    /** The name of the host this journal is open for: its sessions, runs and exit information carry it. */
    String host();

    /**
     * Job ids this host may hand out: on a journal one host holds, every id from the next one; on one several hosts
     * share, a block of about {@code wanted} that no other host will hand out (reserved durably before it returns).
     */
    JobIdBlock reserveJobIds(int wanted);

    // ---------------------------------------------------------------- host sessions

    /** Starts a host session (recording a repair the journal needed when it opened); returns its id. */
    int openSession(SessionRow session);

    /** What this session's recovery found; clears the rebuilt journal's uncertainty (see {@link #uncertainBelowJob()}). */
    void recordRecovery(int sessionId, RecoveryCounts counts);

    /** The session ended cleanly. */
    void endSession(int sessionId, long endedMs);

    /** How the journal was repaired when it was opened; empty when it was intact. */
    Optional<RepairReport> repairAtOpen();

    // ---------------------------------------------------------------- the task lifecycle

    /** Journals submissions in one commit; completes when they are durable. */
    CompletableFuture<Void> submit(List<JobRow> jobs);

    void started(TaskStartRow start);

    /**
     * The ids a service client's submit call with this key made: {@code ["17"]} for a single task, the step ids of an
     * array; empty when no submission carries the key.
     */
    Optional<List<String>> idsOfRequest(String requestKey);

    /** The queued or running tasks of the jobs a service client submitted. */
    List<String> activeTasksOfClient(String clientId);

    /**
     * Tasks run as Slurm jobs were submitted: their Slurm job ids ({@code "17"}, {@code "18_3"}) by task id.
     * Completes when that is durable.
     */
    CompletableFuture<Void> slurmSubmitted(Map<String, String> slurmJobIdByTaskId);

    /** A task ended, with the exit information the protocol answers for it. */
    void ended(TaskEndRow end, ExitInfoRow exitInfo, Runnable afterDurable);

    /** A task could not start: its end (state ERROR) and the error the host will pop. */
    void queueingError(TaskEndRow end, QueueingErrorRow error, Runnable afterDurable);

    /** Forgets popped queueing errors; completes when that is durable. */
    CompletableFuture<Void> popQueueingErrors(List<String> taskIds);

    /** Queueing errors nobody popped, by task id, oldest first. */
    Map<String, String> unpoppedQueueingErrors();

    /** Waits until everything written so far is durable. */
    void flush();

    // ---------------------------------------------------------------- what earlier hosts left

    /** Tasks of sessions other than {@code sessionId} that are not finished, in submission order. */
    List<UnfinishedTaskRow> unfinishedBefore(int sessionId);

    /** The Slurm job ids of those tasks that have one, by task id. */
    Map<String, String> slurmJobIdsOfUnfinishedBefore(int sessionId);

    /**
     * Those tasks that only a host on Slurm may settle, in submission order: the ones with a Slurm job id, and the
     * ones a session on Slurm journaled (sbatch may have made a job for them before that session died).
     */
    List<String> slurmTasksUnfinishedBefore(int sessionId);

    /** The jobs of those tasks. */
    List<JobRow> jobsWithUnfinishedTasksBefore(int sessionId);

    /**
     * After a rebuild that could not find every commit: unfinished tasks of jobs below this id may have
     * run and ended in what was lost. Empty otherwise.
     */
    OptionalLong uncertainBelowJob();

    // ---------------------------------------------------------------- answers

    Optional<ExitInfoRow> exitInfo(String taskId);

    /** A task's state and how it ended, from the history. */
    Optional<TaskOutcomeRow> outcome(String taskId);

    // ---------------------------------------------------------------- runs of the command line

    Optional<RunRow> run(String name);

    /** Creates a run (its id is assigned here) durably; returns its id. */
    long createRun(String name, String source, String contentSha256, int commandCount, long createdMs);

    /** The latest task of each command of a run, by line. */
    List<RunLineRow> latestRunLines(long runId);

    /** Counts of a run's commands by how their latest task ended, and the first failures. */
    RunSummary runSummary(long runId, int failuresShown);

    /** Where the output of these tasks went, in no particular order; ids the journal does not hold are left out. */
    List<TaskLogRow> taskLogs(List<String> taskIds);

    // ---------------------------------------------------------------- requests from other processes

    /** Requests other processes left for the host that holds the journal, oldest first. */
    List<TaskRequestRow> openRequests();

    void requestHandled(long requestId, long handledMs, String outcome);

    // ---------------------------------------------------------------- retention

    /** Deletes finished tasks of jobs submitted before {@code cutoffMs}; returns how many. */
    long pruneSubmittedBefore(long cutoffMs);

    /** Deletes finished tasks beyond the newest {@code keep}, whole jobs at a time; returns how many. */
    long pruneBeyond(long keep);

    @Override
    void close();
}
