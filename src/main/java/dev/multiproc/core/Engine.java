package dev.multiproc.core;

import dev.multiproc.launcher.LauncherBinary;
import dev.multiproc.state.StateFiles;
import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.cluster.RemoteExitInfoNotAvailableException;
import dev.multiproc.journal.HostLock;
import dev.multiproc.journal.H2TaskJournal;
import dev.multiproc.journal.PostgresTaskJournal;
import dev.multiproc.journal.SqlTaskJournal;
import dev.multiproc.journal.JournalDirectory;
import dev.multiproc.journal.JournalException;
import dev.multiproc.journal.PeriodicTask;
import dev.multiproc.journal.RecoveryCounts;
import dev.multiproc.journal.SessionRow;
import dev.multiproc.journal.TaskJournal;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything behind the protocol: the journal, the backend that runs tasks, recovery, and the answers to the host's
 * questions. {@code MultiprocessDistributor} is its public face.
 */
public final class Engine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Engine.class);
    /** The longest array one submit may create. */
    public static final int MAX_ARRAY_LENGTH = 1_000_000;
    /** The longest command the journal stores; the operating system's own limit (128 KiB per argument) is lower. */
    public static final int MAX_COMMAND_LENGTH = 1_000_000;
    public static final int MAX_NAME_LENGTH = 100_000;

    private final EngineSettings settings;
    private final HostLock hostLock;
    private final TaskJournal journal;
    private final ActiveTasks active;
    private final TaskEvents events;
    private final Backend backend;
    private final ExitInfoCache exitInfos;
    private final ExitInfoLookup exitInfoLookup;
    private final QueueingErrors queueingErrors;
    private final StateFiles stateFiles;
    private final Path launcherBinary;
    private final int sessionId;
    private final Submissions submissions;
    private final Object lifecycle = new Object();
    private final BackgroundJournalServer server;
    private final Retention retention;
    private final PeriodicTask requestPoller;
    private boolean recovered;
    private RecoveryCounts recovery;
    private volatile boolean closed;

    private Engine(EngineSettings settings, HostLock hostLock, JournalDirectory dir, SqlTaskJournal journal) {
        this.settings = settings;
        this.hostLock = hostLock;
        this.journal = journal;
        this.stateFiles = new StateFiles(dir.stateDir());
        this.launcherBinary = settings.launcherBinary() != null ? settings.launcherBinary().toAbsolutePath()
                : LauncherBinary.install(dir.binDir());
        dev.multiproc.trace.StartupTrace.mark("launcher binary installed");
        this.sessionId = journal.openSession(SessionRow.ofThisProcess(settings.clusterName(), settings.parallelism(),
                settings.orphanPolicy().name().toLowerCase(Locale.ROOT), settings.slurm() != null ? "slurm" : "local"));
        this.queueingErrors = new QueueingErrors(journal, journal.unpoppedQueueingErrors());
        this.exitInfos = new ExitInfoCache(settings.exitInfoSizeLimit());
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MULTIPROC_JOURNAL", dir.root().toString());
        DispatchSettings ds = new DispatchSettings(settings.parallelism(), settings.maxOvertakes(), settings.killGrace(),
                settings.sampleInterval(), settings.logDir(), stateFiles, launcherBinary, dir.root().resolve("launcher.log"), env, sessionId,
                settings.watchInterval());
        this.active = new ActiveTasks(settings.maxOvertakes());
        this.exitInfoLookup = new ExitInfoLookup(active, exitInfos, journal);
        this.events = new TaskEvents(active, journal, exitInfos, queueingErrors, stateFiles, sessionId);
        this.backend = settings.slurm() == null ? new LocalBackend(ds, active, events)
                : new SlurmBackend(settings.slurm(), new SlurmJobs(settings.slurm(), settings.logDir(), dir.root()), active, events, journal);
        this.submissions = new Submissions(settings, journal, new JobIds(journal), sessionId, this::ensureOpen, this::enqueue,
                backend::check);
        dev.multiproc.trace.StartupTrace.mark("host session opened");
        this.retention = new Retention(journal, settings.historyRetention(), settings.historyMaxTasks(), settings.retentionCheckInterval());
        this.requestPoller = !settings.journalServer() && !journal.requestsReachTheJournal() ? null : TaskRequests.poll(journal, active, backend);
        this.server = settings.journalServer() ? BackgroundJournalServer.start(journal) : null; // last: nothing after it fails
        dev.multiproc.trace.StartupTrace.mark("journal server");
    }

    /** Opens the journal in the settings' directory (taking the host lock), migrates it and opens a host session. */
    public static Engine open(EngineSettings settings) {
        dev.multiproc.trace.StartupTrace.mark("configuration");
        BackgroundJournalServer.checkBeforeTheHostStarts(settings);
        JournalDirectory dir = JournalDirectory.prepare(settings.journalDir());
        HostLock lock = HostLock.acquire(dir, settings.journalServer());
        dev.multiproc.trace.StartupTrace.mark("host lock");
        SqlTaskJournal journal = null;
        try {
            journal = settings.postgres() != null
                    ? PostgresTaskJournal.open(settings.postgres(), settings.host(), settings.adoptHost(), settings.exitInfoSizeLimit())
                    : H2TaskJournal.open(dir, settings.syncCommits(), settings.exitInfoSizeLimit(), settings.host());
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

    public EngineSettings settings() {
        return settings;
    }

    public TaskJournal journal() {
        return journal;
    }

    public int sessionId() {
        return sessionId;
    }

    public Path launcherBinary() {
        return launcherBinary;
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
            dev.multiproc.trace.StartupTrace.mark("recovery");
            backend.start();
            BackgroundJournalServer.awaitStarted(server);
            dev.multiproc.trace.StartupTrace.mark("launcher start");
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
                    recovery = backend instanceof SlurmBackend slurm ? slurm.recover(settings.orphanPolicy(), sessionId)
                            : new Recovery(journal, stateFiles, active, events, backend, settings.orphanPolicy(), sessionId).run();
                    backend.reconnect();
                } catch (IOException e) {
                    throw new JournalException("recovery failed: cannot read the task state files in " + stateFiles.dir() + ": " + e, e);
                }
                Recovery.log(recovery, settings.journalDir(), settings.orphanPolicy());
            }
            return recovery;
        }
    }

    public void stop() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            backend.stop();
            journal.flush();
        }
    }

    @Override
    public void close() {
        shutDown(false, null);
    }

    /** {@link #detach()} or else {@link #close()}; {@code farewell} reads the journal as this host leaves it (see JournalFarewell). */
    public void leave(boolean detach, JournalFarewell farewell) {
        shutDown(detach, farewell);
    }

    /**
     * Leaves the journal without ending anything: running tasks go on under their launcher, which records
     * how they end, and queued ones stay queued. The next host on the journal reattaches to the first and
     * runs the others. This is what a command-line run does when asked to leave its tasks running.
     */
    public void detach() {
        shutDown(true, null);
    }

    private void shutDown(boolean detach, JournalFarewell farewell) {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            boolean farewellRead = false;
            retention.close();
            if (requestPoller != null) {
                requestPoller.close();
            }
            try {
                dev.multiproc.trace.StartupTrace.mark("summary");
                if (detach) {
                    backend.detach();
                } else {
                    backend.close();
                }
                dev.multiproc.trace.StartupTrace.mark("shutdown: launcher close");
                journal.endSession(sessionId, System.currentTimeMillis());
                dev.multiproc.trace.StartupTrace.mark("shutdown: session end");
                farewellRead = Farewells.read(farewell, journal);
            } catch (RuntimeException e) {
                log.warn("closing the journal: {}", e.getMessage());
            } finally {
                if (server != null) {
                    server.close();
                }
                dev.multiproc.trace.StartupTrace.mark("shutdown: journal server close");
                journal.close();
                dev.multiproc.trace.StartupTrace.mark("shutdown: journal close (compaction)");
                if (farewellRead) {
                    Farewells.closed(farewell);
                }
                hostLock.close();
            }
        }
    }

    public boolean isClosed() {
        return closed;
    }

    // ------------------------------------------------------------------ submissions (see Submissions)

    /** Journals one single task (durably) and queues it; returns its id. */
    public String submit(String command, String name, Map<String, Object> requestedResources) {
        return submissions.submit(command, name, requestedResources, SubmitContext.NONE);
    }

    /** {@link #submit(String, String, Map)} for a service's client: who it is, its call's key, its tasks' variables. */
    public String submit(String command, String name, Map<String, Object> requestedResources, SubmitContext context) {
        return submissions.submit(command, name, requestedResources, context);
    }

    /**
     * Journals many single tasks in one commit and queues them; returns their ids in order. All or
     * nothing: a bad command is reported before anything is journaled.
     */
    public List<String> submitAll(List<String> commands, String name, Map<String, Object> requestedResources) {
        return submissions.submitAll(commands, name, requestedResources, null, null);
    }

    /** Journals an array (one statement for all its steps) and queues it; returns step to id. */
    public Map<Integer, String> submitArray(String command, String name, Map<String, Object> requestedResources, int arrayLength) {
        return submissions.submitArray(command, name, requestedResources, arrayLength, SubmitContext.NONE);
    }

    /** {@link #submitArray(String, String, Map, int)} for a service's client. */
    public Map<Integer, String> submitArray(String command, String name, Map<String, Object> requestedResources, int arrayLength,
            SubmitContext context) {
        return submissions.submitArray(command, name, requestedResources, arrayLength, context);
    }

    /** Terminates the queued and running tasks a service client submitted; returns their ids. */
    public List<String> terminateClient(String clientId) {
        ensureOpen();
        SubmitContext checked = new SubmitContext(clientId, null, null);
        List<String> ids = journal.activeTasksOfClient(checked.clientId());
        if (!ids.isEmpty()) {
            terminate(ids);
        }
        return ids;
    }

    /** Whether {@code id} has the form of a distributor id and names a job this journal handed out. */
    public boolean mayHaveIssued(String id) {
        return id != null && submissions.mayHaveIssued(id);
    }

    /**
     * Starts or resumes the run called {@code name}: the same name with the same commands continues the
     * run (finished commands do not run again; with {@code retryFailed}, those that ended badly do), the
     * same name with other commands is an error. Call after {@link #start()}, so that what the run left
     * running or queued has been recovered.
     */
    public RunStart startRun(String name, String source, List<String> commands, boolean retryFailed) {
        ensureOpen();
        return submissions.startRun(name, source, commands, retryFailed);
    }

    // ------------------------------------------------------------------ questions

    public Set<String> active(List<String> ids) {
        ensureOpen();
        return active.active(ids);
    }

    public void terminate(List<String> ids) {
        ensureOpen();
        backend.terminate(TaskId.distinct("distributorIds", ids), Outcomes.TerminateReason.REQUEST);
    }

    public Map<String, String> popQueueingErrors(List<String> ids) {
        ensureOpen();
        return queueingErrors.pop(new ArrayList<>(TaskId.distinct("distributorIds", ids)));
    }

    public RemoteExitInfo exitInfo(String id) throws RemoteExitInfoNotAvailableException {
        ensureOpen();
        return exitInfoLookup.of(id);
    }

    /** Registers a listener told of every task end from now on. */
    public void addEndListener(TaskEndListener listener) {
        events.addEndListener(listener);
    }

    public int queuedCount() {
        return active.queuedCount();
    }

    public int runningCount() {
        return active.runningCount();
    }

    /** Why this host may act for its name no more: another host of its name took over its tasks (see TaskJournal). */
    public Optional<String> supplanted() {
        return journal.supplanted();
    }

    /** Why dispatch is paused (tasks cannot start for want of disk space, file descriptors or processes), while it is. */
    public Optional<String> dispatchPause() {
        return backend.pauseReason();
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
        return active.footprint(exitInfos.size(), queueingErrors.size(), backend.rememberedLogDirectories());
    }

    /** Queues a job's tasks and lets the backend start what fits. */
    private void enqueue(QueuedJob job) {
        active.enqueue(job);
        backend.dispatch();
    }

    /** Waits until nothing is queued or running; for the CLI and tests. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        return active.awaitIdle(timeout);
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

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the distributor is closed");
        }
    }
}
