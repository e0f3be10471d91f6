package dev.multiproc.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.multiproc.agent.AgentBinary;
import dev.multiproc.agent.StateFiles;
import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.cluster.RemoteExitInfoNotAvailableException;
import dev.multiproc.cluster.TaskInstanceStatus;
import dev.multiproc.journal.ExitInfoRow;
import dev.multiproc.journal.HostLock;
import dev.multiproc.journal.H2TaskJournal;
import dev.multiproc.journal.JobRow;
import dev.multiproc.journal.JournalDirectory;
import dev.multiproc.journal.JournalException;
import dev.multiproc.journal.JournalServer;
import dev.multiproc.journal.TaskRequestRow;
import dev.multiproc.journal.PeriodicTask;
import dev.multiproc.journal.RecoveryCounts;
import dev.multiproc.journal.RunRow;
import dev.multiproc.journal.SessionRow;
import dev.multiproc.journal.TaskJournal;
import dev.multiproc.journal.TaskOutcomeRow;
import dev.multiproc.queue.Resources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything behind the protocol: the journal, the dispatcher, recovery, and the answers to the host's
 * questions. {@code MultiprocessDistributor} is its public face.
 */
public final class Engine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Engine.class);
    /** The longest array one submit may create. */
    public static final int MAX_ARRAY_LENGTH = 1_000_000;
    /** The longest command the journal stores; the operating system's own limit (128 KiB per argument) is lower. */
    public static final int MAX_COMMAND_LENGTH = 1_000_000;
    public static final int MAX_NAME_LENGTH = 100_000;
    private static final long REQUEST_POLL_MS = 200;
    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private final EngineSettings settings;
    private final HostLock hostLock;
    private final TaskJournal journal;
    private final Dispatcher dispatcher;
    private final ExitInfoCache exitInfos;
    private final QueueingErrors queueingErrors;
    private final StateFiles stateFiles;
    private final Path agent;
    private final int sessionId;
    private final AtomicLong nextJobId;
    private final Object lifecycle = new Object();
    private final JournalServer server;
    private final Retention retention;
    private final PeriodicTask requestPoller;
    private boolean recovered;
    private RecoveryCounts recovery;
    private volatile boolean closed;

    private Engine(EngineSettings settings, HostLock hostLock, JournalDirectory dir, H2TaskJournal journal) {
        this.settings = settings;
        this.hostLock = hostLock;
        this.journal = journal;
        this.stateFiles = new StateFiles(dir.stateDir());
        this.agent = settings.launcherBinary() != null ? settings.launcherBinary().toAbsolutePath()
                : AgentBinary.install(dir.binDir());
        this.nextJobId = new AtomicLong(journal.nextJobId());
        this.sessionId = journal.openSession(new SessionRow(0, System.currentTimeMillis(), ProcessHandle.current().pid(), hostName(),
                settings.clusterName(), settings.parallelism(), settings.orphanPolicy().name().toLowerCase(Locale.ROOT), null));
        this.queueingErrors = new QueueingErrors(journal, journal.unpoppedQueueingErrors());
        this.exitInfos = new ExitInfoCache(settings.exitInfoSizeLimit());
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MULTIPROC_JOURNAL", dir.root().toString());
        DispatchSettings ds = new DispatchSettings(settings.parallelism(), settings.maxOvertakes(), settings.killGrace(),
                settings.sampleInterval(), settings.logDir(), stateFiles, agent, dir.root().resolve("agent.log"), env, sessionId,
                settings.watchInterval());
        this.dispatcher = new Dispatcher(ds, journal, exitInfos, queueingErrors);
        this.server = settings.journalServer() ? JournalServer.start(journal.database()) : null;
        this.retention = new Retention(journal, settings.historyRetention(), settings.historyMaxTasks(), settings.retentionCheckInterval());
        this.requestPoller = server == null ? null
                : new PeriodicTask("multiproc-requests", Duration.ofMillis(REQUEST_POLL_MS), this::handleRequests);
    }

    /**
     * Other processes reach a held journal through its server only; what they ask of the host (terminate
     * a task) they leave in {@code task_request}, handled here a few times a second: off the hot path.
     */
    private void handleRequests() {
        for (TaskRequestRow r : journal.openRequests()) {
            journal.requestHandled(r.requestId(), System.currentTimeMillis(), handle(r));
        }
    }

    private String handle(TaskRequestRow r) {
        if (!"terminate".equals(r.kind())) {
            return "unknown request kind " + r.kind();
        }
        boolean active = !dispatcher.active(List.of(r.taskId())).isEmpty();
        if (!active) {
            return "not queued or running";
        }
        log.info("terminating task {} at the request of {}", r.taskId(), r.requestedBy());
        dispatcher.terminate(List.of(r.taskId()), Outcomes.TerminateReason.REQUEST);
        return "terminated";
    }

    /** Opens the journal in the settings' directory (taking the host lock), migrates it and opens a host session. */
    public static Engine open(EngineSettings settings) {
        JournalDirectory dir = JournalDirectory.prepare(settings.journalDir());
        HostLock lock = HostLock.acquire(dir, settings.journalServer());
        H2TaskJournal journal = null;
        try {
            journal = H2TaskJournal.open(dir, settings.syncCommits(), settings.exitInfoSizeLimit());
            if (settings.logDir() != null) {
                LogDirectories.create(settings.logDir());
            }
            return new Engine(settings, lock, dir, journal);
        } catch (IOException e) {
            closeAll(journal, lock);
            throw new JournalException("cannot create the log directory " + settings.logDir() + ": " + e, e);
        } catch (RuntimeException e) {
            closeAll(journal, lock);
            throw e;
        }
    }

    private static void closeAll(TaskJournal journal, HostLock lock) {
        if (journal != null) {
            journal.close();
        }
        lock.close();
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    public EngineSettings settings() {
        return settings;
    }

    public TaskJournal journal() {
        return journal;
    }

    public int sessionId() {
        return sessionId;
    }

    public Path agent() {
        return agent;
    }

    /** What recovery found when this session started; empty before {@link #start()}. */
    public Optional<RecoveryCounts> recovery() {
        synchronized (lifecycle) {
            return Optional.ofNullable(recovery);
        }
    }

    // ------------------------------------------------------------------ lifecycle

    /** Recovers what earlier hosts left (once per session), then dispatches. Idempotent. */
    public void start() {
        synchronized (lifecycle) {
            recover();
            dispatcher.start();
        }
    }

    /**
     * Settles what earlier hosts left, without starting anything: finished tasks are recorded, running
     * ones followed, the rest queued. Done once per session; {@link #start()} does it first.
     */
    public RecoveryCounts recover() {
        synchronized (lifecycle) {
            ensureOpen();
            if (!recovered) {
                recovered = true;
                try {
                    recovery = new Recovery(journal, stateFiles, dispatcher, settings.orphanPolicy(), sessionId).run();
                } catch (IOException e) {
                    throw new JournalException("recovery failed: cannot read the task state files in " + stateFiles.dir() + ": " + e, e);
                }
                logRecovery(recovery);
            }
            return recovery;
        }
    }

    private void logRecovery(RecoveryCounts c) {
        if (c.total() == 0) {
            log.debug("recovery: nothing to recover ({} ms)", c.recoveryMs());
            return;
        }
        log.info("recovery of journal {}: {} reattached, {} finished while no host watched, {} lost, {} queued again, {} killed "
                + "(orphan policy {}) in {} ms", settings.journalDir(), c.reattached(), c.finishedWhileDown(), c.lost(),
                c.requeued(), c.killed(), settings.orphanPolicy().name().toLowerCase(), c.recoveryMs());
    }

    public void stop() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            dispatcher.stop();
            journal.flush();
        }
    }

    @Override
    public void close() {
        shutDown(false);
    }

    /**
     * Leaves the journal without ending anything: running tasks go on under their launcher, which records
     * how they end, and queued ones stay queued. The next host on the journal reattaches to the first and
     * runs the others. This is what a command-line run does when asked to leave its tasks running.
     */
    public void detach() {
        shutDown(true);
    }

    private void shutDown(boolean detach) {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            retention.close();
            if (requestPoller != null) {
                requestPoller.close();
            }
            try {
                if (detach) {
                    dispatcher.detach();
                } else {
                    dispatcher.close();
                }
                journal.endSession(sessionId, System.currentTimeMillis());
            } catch (RuntimeException e) {
                log.warn("closing the journal: {}", e.getMessage());
            } finally {
                if (server != null) {
                    server.close();
                }
                journal.close();
                hostLock.close();
            }
        }
    }

    public boolean isClosed() {
        return closed;
    }

    // ------------------------------------------------------------------ submissions

    /** Journals one single task (durably) and queues it; returns its id. */
    public String submit(String command, String name, Map<String, Object> requestedResources) {
        JobSpec spec = validate(command, name, requestedResources, null);
        return submitJobs(List.of(spec), requestedResources, null, null).get(0);
    }

    /**
     * Journals many single tasks in one commit and queues them; returns their ids in order. All or
     * nothing: a bad command is reported before anything is journaled.
     */
    public List<String> submitAll(List<String> commands, String name, Map<String, Object> requestedResources) {
        return submitAll(commands, name, requestedResources, null, null);
    }

    /** As {@link #submitAll(List, String, Map)}, for the commands of a run, each with its line number. */
    List<String> submitAll(List<String> commands, String name, Map<String, Object> requestedResources, Long runId,
            List<Integer> lineNos) {
        List<JobSpec> specs = new ArrayList<>(commands.size());
        for (int i = 0; i < commands.size(); i++) {
            try {
                specs.add(validate(commands.get(i), name, requestedResources, null));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("command " + (lineNos == null ? i + 1 : lineNos.get(i)) + ": " + e.getMessage(), e);
            }
        }
        return submitJobs(specs, requestedResources, runId, lineNos);
    }

    /**
     * Starts or resumes the run called {@code name}: the same name with the same commands continues the
     * run (finished commands do not run again; with {@code retryFailed}, those that ended badly do), the
     * same name with other commands is an error. Call after {@link #start()}, so that what the run left
     * running or queued has been recovered.
     */
    public RunStart startRun(String name, String source, List<String> commands, boolean retryFailed) {
        ensureOpen();
        checkName(name);
        for (int i = 0; i < commands.size(); i++) { // before the run's row: a refused command leaves no run behind
            try {
                checkCommand(commands.get(i));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("command " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        String sha = sha256(String.join("\n", commands));
        Optional<RunRow> existing = journal.run(name);
        if (existing.isEmpty()) {
            long runId = journal.createRun(name, source, sha, commands.size(), System.currentTimeMillis());
            List<Integer> lines = new ArrayList<>(commands.size());
            for (int i = 1; i <= commands.size(); i++) {
                lines.add(i);
            }
            List<String> ids = submitAll(commands, name, Map.of(), runId, lines);
            return new RunStart(runId, false, ids, ids.size(), 0, 0);
        }
        RunRow run = existing.get();
        if (!run.contentSha256().equals(sha)) {
            throw new IllegalArgumentException("a run named '" + name + "' already exists with other commands (from " + run.source()
                    + ", " + java.time.Instant.ofEpochMilli(run.createdMs()) + "); give this one another --name");
        }
        Map<Integer, dev.multiproc.journal.RunLineRow> latest = new java.util.HashMap<>();
        for (dev.multiproc.journal.RunLineRow line : journal.latestRunLines(run.runId())) {
            latest.put(line.lineNo(), line);
        }
        List<String> waitFor = new ArrayList<>();
        List<String> again = new ArrayList<>();
        List<Integer> againLines = new ArrayList<>();
        int done = 0;
        int failed = 0;
        for (int line = 1; line <= commands.size(); line++) {
            dev.multiproc.journal.RunLineRow row = latest.get(line);
            TaskState state = row == null ? null : TaskState.of(row.state());
            boolean interrupted = state == TaskState.TERMINATED && row.endCause() != null
                    && EndCause.of(row.endCause()) == EndCause.STOPPED;
            if (state != null && state.isActive()) {
                waitFor.add(row.taskId());
            } else if (state == TaskState.DONE) {
                done++;
            } else if (row == null || interrupted || retryFailed) {
                again.add(commands.get(line - 1));
                againLines.add(line);
            } else {
                failed++;
            }
        }
        if (!again.isEmpty()) {
            waitFor.addAll(submitAll(again, name, Map.of(), run.runId(), againLines));
        }
        return new RunStart(run.runId(), true, waitFor, again.size(), done, failed);
    }

    private static String sha256(String text) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Journals an array (one statement for all its steps) and queues it; returns step to id. */
    public Map<Integer, String> submitArray(String command, String name, Map<String, Object> requestedResources, int arrayLength) {
        if (arrayLength < 1) {
            throw new IllegalArgumentException("arrayLength must be at least 1, got " + arrayLength);
        }
        if (arrayLength > MAX_ARRAY_LENGTH) {
            throw new IllegalArgumentException("arrayLength " + arrayLength + " exceeds the limit of " + MAX_ARRAY_LENGTH
                    + " steps per array; submit several arrays");
        }
        JobSpec spec = validate(command, name, requestedResources, arrayLength);
        String job = submitJobs(List.of(spec), requestedResources, null, null).get(0);
        Map<Integer, String> ids = new TreeMap<>();
        String prefix = job + "_";
        for (int step = 0; step < arrayLength; step++) {
            ids.put(step, prefix + step);
        }
        return ids;
    }

    /** The submissions become durable in one commit, then queued; returns their job ids. */
    private List<String> submitJobs(List<JobSpec> specs, Map<String, Object> requestedResources, Long runId, List<Integer> lineNos) {
        String resources = json(requestedResources);
        long now = System.currentTimeMillis();
        List<JobRow> rows = new ArrayList<>(specs.size());
        for (int i = 0; i < specs.size(); i++) {
            JobSpec spec = specs.get(i);
            Resources r = spec.resources();
            rows.add(new JobRow(spec.jobId(), spec.name(), spec.command(), resources, r.cores(), r.memoryBytes(), r.runtimeSeconds(),
                    r.stdoutDir(), r.stderrDir(), spec.arrayLength(), now, sessionId, runId, lineNos == null ? null : lineNos.get(i)));
        }
        try {
            journal.submit(rows).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof JournalException je) {
                throw new JournalException("the submission was not accepted: " + je.getMessage(), je);
            }
            throw e;
        }
        List<String> ids = new ArrayList<>(specs.size());
        for (JobSpec spec : specs) {
            dispatcher.enqueue(QueuedJob.all(spec));
            ids.add(Long.toString(spec.jobId()));
        }
        return ids;
    }

    private JobSpec validate(String command, String name, Map<String, Object> requested, Integer arrayLength) {
        ensureOpen();
        checkCommand(command);
        checkName(name);
        Resources resources = withLogDirs(Resources.parse(requested));
        if (resources.cores() > settings.parallelism()) {
            throw new IllegalArgumentException("requested resource 'cores' is " + resources.cores() + ", more than the "
                    + settings.parallelism() + " slots (parallelism) of this distributor");
        }
        return new JobSpec(nextJobId.getAndIncrement(), name, command, resources, arrayLength);
    }

    private static void checkName(String name) {
        if (name == null) {
            throw new IllegalArgumentException("name must not be null");
        }
        if (name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("name is " + name.length() + " characters long; the limit is " + MAX_NAME_LENGTH);
        }
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("name must not contain NUL characters");
        }
    }

    private static void checkCommand(String command) {
        if (command == null) {
            throw new IllegalArgumentException("command must not be null");
        }
        if (command.isBlank()) {
            throw new IllegalArgumentException("command must not be empty or blank");
        }
        int nul = command.indexOf('\0');
        if (nul >= 0) {
            throw new IllegalArgumentException("command must not contain NUL characters (found one at index " + nul + ")");
        }
        if (command.length() > MAX_COMMAND_LENGTH) {
            throw new IllegalArgumentException("command is " + command.length() + " characters long; the limit is " + MAX_COMMAND_LENGTH);
        }
    }

    /** Output goes where the task asked, else to the host's log directory; the journal keeps where it went. */
    private Resources withLogDirs(Resources r) {
        if (settings.logDir() == null || (r.stdoutDir() != null && r.stderrDir() != null)) {
            return r;
        }
        String dir = settings.logDir().toAbsolutePath().toString();
        return new Resources(r.cores(), r.memoryBytes(), r.runtimeSeconds(), r.queue(), r.project(),
                r.stdoutDir() != null ? r.stdoutDir() : dir, r.stderrDir() != null ? r.stderrDir() : dir);
    }

    private static String json(Map<String, Object> requested) {
        try {
            return JSON.writeValueAsString(requested == null ? Map.of() : requested);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("requested resources cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    // ------------------------------------------------------------------ questions

    public Set<String> active(List<String> ids) {
        ensureOpen();
        return dispatcher.active(ids);
    }

    public void terminate(List<String> ids) {
        ensureOpen();
        dispatcher.terminate(distinct("distributorIds", ids), Outcomes.TerminateReason.REQUEST);
    }

    public Map<String, String> popQueueingErrors(List<String> ids) {
        ensureOpen();
        return queueingErrors.pop(new ArrayList<>(distinct("distributorIds", ids)));
    }

    public RemoteExitInfo exitInfo(String id) throws RemoteExitInfoNotAvailableException {
        ensureOpen();
        if (id == null) {
            throw new IllegalArgumentException("distributorId must not be null");
        }
        if (TaskId.parse(id).isEmpty()) {
            throw new RemoteExitInfoNotAvailableException("remote exit info not available: '" + id + "' is not a distributor id");
        }
        if (!dispatcher.active(List.of(id)).isEmpty()) {
            throw new RemoteExitInfoNotAvailableException("remote exit info not available: task " + id + " has not finished");
        }
        Optional<RemoteExitInfo> cached = exitInfos.find(id);
        if (cached.isPresent()) {
            return cached.get();
        }
        Optional<ExitInfoRow> row = journal.exitInfo(id);
        if (row.isPresent()) {
            return new RemoteExitInfo(TaskInstanceStatus.fromCode(row.get().statusCode()), row.get().message());
        }
        Optional<TaskOutcomeRow> history = journal.outcome(id);
        if (history.isPresent() && history.get().statusCode() != null) {
            return new RemoteExitInfo(TaskInstanceStatus.fromCode(history.get().statusCode()), history.get().message());
        }
        throw new RemoteExitInfoNotAvailableException("remote exit info not available: "
                + (history.isPresent() ? "task " + id + " has not finished" : "no task " + id + " in this journal"));
    }

    /** Registers a listener told of every task end from now on. */
    public void addEndListener(TaskEndListener listener) {
        dispatcher.addEndListener(listener);
    }

    public int queuedCount() {
        return dispatcher.queuedCount();
    }

    public int runningCount() {
        return dispatcher.runningCount();
    }

    /** Why dispatch is paused (tasks cannot start for want of disk space, file descriptors or processes), while it is. */
    public Optional<String> dispatchPause() {
        return dispatcher.pauseReason();
    }

    /**
     * How many entries each in-memory structure holds. None grows with the history: queued and handed
     * tasks with what is active, exit information with {@code exitInfoSizeLimit} plus what awaits its
     * commit, queueing errors with those the host has not collected yet.
     */
    public record Footprint(int queuedTasks, int queuedJobs, int handedTasks, int exitInfos, int queueingErrors,
            int logDirectories) {
    }

    public Footprint footprint() {
        return dispatcher.footprint(exitInfos.size(), queueingErrors.size());
    }

    /** Waits until nothing is queued or running; for the CLI and tests. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        return dispatcher.awaitIdle(timeout);
    }

    /** Prunes the history now, as the retention settings say; returns how many tasks went. */
    public long pruneHistory() {
        ensureOpen();
        return retention.pruneOnce();
    }

    /** Commits everything journaled so far. */
    public void flushJournal() {
        journal.flush();
    }

    private static Set<String> distinct(String what, List<String> ids) {
        if (ids == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        Set<String> unique = new LinkedHashSet<>();
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            if (id == null) {
                throw new IllegalArgumentException(what + "[" + i + "] is null");
            }
            unique.add(id);
        }
        return unique;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the distributor is closed");
        }
    }
}
