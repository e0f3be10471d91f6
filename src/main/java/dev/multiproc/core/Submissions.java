package dev.multiproc.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.multiproc.journal.JobRow;
import dev.multiproc.journal.JournalException;
import dev.multiproc.journal.RunRow;
import dev.multiproc.journal.TaskJournal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Submissions: checks a command, a name and requested resources, gives the job its id, journals it
 * durably (one commit for many) and only then queues it. Also starts and resumes runs of the command line.
 */
final class Submissions {
    /** Made at first use: a command line's run of plain lines has no resources to write (Jackson's set-up is 50 ms of it). */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    }

    private final EngineSettings settings;
    private final TaskJournal journal;
    private final JobIds jobIds;
    private final int sessionId;
    private final Runnable ensureOpen;
    private final Consumer<QueuedJob> enqueue;
    private final java.util.concurrent.ConcurrentHashMap<String, CompletableFuture<List<String>>> keyedInFlight =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final Consumer<JobSpec> backendCheck;

    Submissions(EngineSettings settings, TaskJournal journal, JobIds jobIds, int sessionId, Runnable ensureOpen,
            Consumer<QueuedJob> enqueue, Consumer<JobSpec> backendCheck) {
        this.settings = settings;
        this.journal = journal;
        this.jobIds = jobIds;
        this.sessionId = sessionId;
        this.ensureOpen = ensureOpen;
        this.enqueue = enqueue;
        this.backendCheck = backendCheck;
    }

    /** Journals one single task (durably) and queues it; returns its id. */
    String submit(String command, String name, Map<String, Object> requestedResources, SubmitContext context) {
        return keyed(context, () -> {
            JobSpec spec = validate(command, name, requestedResources, null, context);
            return submitJobs(List.of(spec), requestedResources, null, null, context);
        }).get(0);
    }

    /**
     * The ids of the submission that carries the context's request key, journaled by this call or by an earlier one
     * with the same key (whose answer the client lost); calls with one key run one at a time.
     */
    private List<String> keyed(SubmitContext context, Supplier<List<String>> submit) {
        String key = context.requestKey();
        if (key == null) {
            return submit.get();
        }
        while (true) {
            CompletableFuture<List<String>> mine = new CompletableFuture<>();
            CompletableFuture<List<String>> other = keyedInFlight.putIfAbsent(key, mine);
            if (other != null) {
                try {
                    return other.join();
                } catch (CompletionException | java.util.concurrent.CancellationException e) {
                    continue; // that call failed: this one tries for itself
                }
            }
            try {
                List<String> ids = journal.idsOfRequest(key).orElseGet(submit);
                mine.complete(ids);
                return ids;
            } catch (RuntimeException e) {
                mine.completeExceptionally(e);
                throw e;
            } finally {
                keyedInFlight.remove(key, mine);
            }
        }
    }

    /**
     * Journals many single tasks in one commit and queues them; returns their ids in order, with the run
     * and line numbers they belong to (none for null). All or nothing: a bad command is reported before
     * anything is journaled.
     */
    List<String> submitAll(List<String> commands, String name, Map<String, Object> requestedResources, Long runId,
            List<Integer> lineNos) {
        List<JobSpec> specs = new ArrayList<>(commands.size());
        for (int i = 0; i < commands.size(); i++) {
            try {
                specs.add(validate(commands.get(i), name, requestedResources, null, SubmitContext.NONE));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("command " + (lineNos == null ? i + 1 : lineNos.get(i)) + ": " + e.getMessage(), e);
            }
        }
        return submitJobs(specs, requestedResources, runId, lineNos, SubmitContext.NONE);
    }

    /**
     * Starts or resumes the run called {@code name}: the same name with the same commands continues the
     * run (finished commands do not run again; with {@code retryFailed}, those that ended badly do), the
     * same name with other commands is an error. Call after {@link #start()}, so that what the run left
     * running or queued has been recovered.
     */
    /** Lines of a run journaled in one commit; larger files take several. */
    static final int RUN_CHUNK = 4096;

    RunStart startRun(String name, String source, List<String> commands, boolean retryFailed) {
        ensureOpen.run();
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
            List<String> ids = submitRunLines(commands, name, runId, lines);
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
            waitFor.addAll(submitRunLines(again, name, run.runId(), againLines));
        }
        return new RunStart(run.runId(), true, waitFor, again.size(), done, failed);
    }

    /**
     * Journals a run's lines a chunk at a time, each durable and queued before the next is built: a host holds one
     * chunk's rows, not a large file's. A host killed between chunks loses nothing, as running the run again submits
     * the lines that have no task.
     */
    private List<String> submitRunLines(List<String> commands, String name, long runId, List<Integer> lineNos) {
        List<String> ids = new ArrayList<>(commands.size());
        for (int from = 0; from < commands.size(); from += RUN_CHUNK) {
            int to = Math.min(commands.size(), from + RUN_CHUNK);
            ids.addAll(submitAll(commands.subList(from, to), name, Map.of(), runId, lineNos.subList(from, to)));
        }
        return ids;
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
    Map<Integer, String> submitArray(String command, String name, Map<String, Object> requestedResources, int arrayLength,
            SubmitContext context) {
        if (arrayLength < 1) {
            throw new IllegalArgumentException("arrayLength must be at least 1, got " + arrayLength);
        }
        if (arrayLength > Engine.MAX_ARRAY_LENGTH) {
            throw new IllegalArgumentException("arrayLength " + arrayLength + " exceeds the limit of " + Engine.MAX_ARRAY_LENGTH
                    + " steps per array; submit several arrays");
        }
        List<String> ids = keyed(context, () -> {
            JobSpec spec = validate(command, name, requestedResources, arrayLength, context);
            String job = submitJobs(List.of(spec), requestedResources, null, null, context).get(0);
            List<String> steps = new ArrayList<>(arrayLength);
            String prefix = job + "_";
            for (int step = 0; step < arrayLength; step++) {
                steps.add(prefix + step);
            }
            return steps;
        });
        Map<Integer, String> byStep = new TreeMap<>();
        for (int step = 0; step < ids.size(); step++) {
            byStep.put(step, ids.get(step));
        }
        return byStep;
    }

    /** The submissions become durable in one commit, then queued; returns their job ids. */
    private List<String> submitJobs(List<JobSpec> specs, Map<String, Object> requestedResources, Long runId, List<Integer> lineNos,
            SubmitContext context) {
        String resources = json(requestedResources);
        String environment = context.environment().isEmpty() ? null : json(context.environment());
        long now = System.currentTimeMillis();
        List<JobRow> rows = new ArrayList<>(specs.size());
        for (int i = 0; i < specs.size(); i++) {
            JobSpec spec = specs.get(i);
            Resources r = spec.resources();
            rows.add(new JobRow(spec.jobId(), spec.name(), spec.command(), resources, r.cores(), r.memoryBytes(), r.runtimeSeconds(),
                    r.stdoutDir(), r.stderrDir(), spec.arrayLength(), now, sessionId, runId, lineNos == null ? null : lineNos.get(i),
                    context.clientId(), context.requestKey(), environment));
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
            enqueue.accept(QueuedJob.all(spec));
            ids.add(Long.toString(spec.jobId()));
        }
        return ids;
    }

    private JobSpec validate(String command, String name, Map<String, Object> requested, Integer arrayLength, SubmitContext context) {
        ensureOpen.run();
        checkCommand(command);
        checkName(name);
        Resources resources = withLogDirs(Resources.parse(requested));
        if (resources.cores() > settings.parallelism()) {
            throw new IllegalArgumentException("requested resource 'cores' is " + resources.cores() + ", more than the "
                    + settings.parallelism() + " slots (parallelism) of this distributor");
        }
        JobSpec spec = new JobSpec(jobIds.next(), name, command, resources, arrayLength, context.environment());
        backendCheck.accept(spec);
        return spec;
    }

    private static void checkName(String name) {
        if (name == null) {
            throw new IllegalArgumentException("name must not be null");
        }
        if (name.length() > Engine.MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("name is " + name.length() + " characters long; the limit is " + Engine.MAX_NAME_LENGTH);
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
        if (command.length() > Engine.MAX_COMMAND_LENGTH) {
            throw new IllegalArgumentException("command is " + command.length() + " characters long; the limit is " + Engine.MAX_COMMAND_LENGTH);
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

    /** Whether {@code id} names a task this journal may have issued: its job id was handed out. */
    boolean mayHaveIssued(String id) {
        return TaskId.parse(id).map(t -> jobIds.mayHaveIssued(t.jobId())).orElse(false);
    }

    private static String json(Map<String, ?> requested) {
        try {
            return requested == null || requested.isEmpty() ? "{}" : Json.MAPPER.writeValueAsString(requested);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("requested resources cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }
}
