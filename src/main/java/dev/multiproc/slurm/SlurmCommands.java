package dev.multiproc.slurm;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A client of Slurm's command-line tools: {@code sbatch}, {@code squeue}, {@code scancel}, {@code sacct} and
 * {@code scontrol}. Each method runs one command (the queue and cancel of any number of jobs included) within a
 * timeout; a command that fails is a {@link SlurmCommandException} with the command, its exit status and its
 * standard error. Job ids are Slurm's: {@code "17"} for a job, {@code "18_3"} for task 3 of array job 18, and
 * {@code "18"} names a whole array where Slurm takes it so (squeue, scancel, sacct). Thread-safe.
 */
public final class SlurmCommands {
    private static final DateTimeFormatter SACCT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");
    /** Beyond this many characters of ids, queue() asks for all of the user's jobs and picks (one call still). */
    private static final int MAX_ID_ARGUMENT = 100_000;

    private final CommandRunner runner;
    private final String user;
    private final ClusterLimits limits;

    private SlurmCommands(Builder b) {
        this.runner = new CommandRunner(b.binDir, b.environment, b.timeout);
        this.user = b.user;
        this.limits = new ClusterLimits(() -> scontrol("show", "partition", "-o"), () -> scontrol("show", "config"), b.limitsMaxAge);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Submits a job or an array job and returns its id ({@code "17"}; the tasks of an array are {@code "17_0"}...).
     * The request is first checked against the partition's limits; what Slurm would refuse or keep pending forever
     * is an {@link IllegalArgumentException} and nothing is submitted.
     */
    public String submit(JobRequest request) {
        check(request);
        List<String> command = runner.command("sbatch", SbatchArguments.of(request));
        String out = runner.check(command, request.script(), request.environment()).trim();
        String id = out.contains(";") ? out.substring(0, out.indexOf(';')) : out; // "17;cluster" on federations
        if (!id.matches("\\d+")) {
            throw new SlurmCommandException(command, 0, out, "printed no job id", null);
        }
        return id;
    }

    /**
     * Checks a request against the partition's limits and {@code MaxArraySize} (read every few minutes): what Slurm
     * would refuse or keep pending forever is an {@link IllegalArgumentException} saying why.
     */
    public void check(JobRequest request) {
        limits.check(request);
    }

    /**
     * The controller's view of these jobs, in ONE squeue call: pending and running ones, and finished ones it still
     * keeps. Each task of an array is its own {@link QueuedJob} ({@code "18_3"}), pending ones included. Ids Slurm
     * does not know are left out.
     */
    public List<QueuedJob> queue(Collection<String> ids) {
        Set<String> wanted = new LinkedHashSet<>(ids);
        if (wanted.isEmpty()) {
            return List.of();
        }
        String joined = String.join(",", wanted);
        if (joined.length() > MAX_ID_ARGUMENT) {
            return squeue(List.of("--user=" + user)).stream().filter(j -> j.isNamedIn(wanted)).toList();
        }
        return squeue(List.of("--jobs=" + joined));
    }

    /** This user's jobs named {@code name} that the controller knows, in one squeue call. */
    public List<QueuedJob> queueNamed(String name) {
        return squeue(List.of("--user=" + user, "--name=" + name));
    }

    /** Cancels these jobs (a whole array by its id) in one scancel call; ids of ended or unknown jobs are no error. */
    public void cancel(Collection<String> ids) {
        Set<String> unique = new LinkedHashSet<>(ids);
        if (!unique.isEmpty()) {
            runner.check(runner.command("scancel", new ArrayList<>(unique)), null, Map.of());
        }
    }

    /**
     * How these jobs went, keyed by job id ({@code "18_3"} for each task of array 18): from sacct, and from the
     * controller (one squeue) for jobs it still keeps: the database lags behind the controller, and Slurm 22.05's
     * sacct keeps only the low 7 bits of an exit code (199 reads 71, 128 reads 0), where the controller has all 8.
     * Jobs neither knows are left out; a job still running comes with its current state.
     */
    public Map<String, JobAccounting> accounting(Collection<String> ids) {
        Set<String> wanted = new LinkedHashSet<>(ids);
        if (wanted.isEmpty()) {
            return Map.of();
        }
        Set<String> selection = new LinkedHashSet<>(wanted);
        wanted.stream().filter(id -> id.indexOf('_') > 0).forEach(id -> selection.add(id.substring(0, id.indexOf('_'))));
        Map<String, JobAccounting> result = new LinkedHashMap<>(sacct(List.of("--jobs=" + String.join(",", selection))));
        for (QueuedJob q : queue(wanted)) {
            JobAccounting known = result.get(q.id());
            if (known == null || !known.state().isFinished() && q.state().isFinished()) {
                result.put(q.id(), JobAccounting.of(q));
            } else if (known.state().isFinished() && q.state().isFinished()) {
                result.put(q.id(), known.withExit(q.exitCode(), q.signal()));
            }
        }
        for (String id : wanted) {
            JobAccounting remainder = result.containsKey(id) ? null : unsplitRemainder(result, id);
            if (remainder != null) {
                result.put(id, remainder.forStep(id));
            }
        }
        Set<String> added = new LinkedHashSet<>(selection);
        added.removeAll(wanted);
        result.keySet().removeIf(k -> !wanted.contains(k) && (added.contains(k) || added.contains(k.split("_", 2)[0])));
        return result;
    }

    /**
     * The record of the steps of an array that never started, for step {@code id} ({@code "18_7"}): Slurm splits a
     * step off its array only to start it, so steps cancelled while pending have no record of their own; sacct shows
     * them as one finished record, {@code "18"} or {@code "18_[7-999]"}. Null when there is none, or it has not ended.
     */
    private static JobAccounting unsplitRemainder(Map<String, JobAccounting> records, String id) {
        int u = id.indexOf('_');
        if (u < 0 || !id.substring(u + 1).matches("\\d+")) {
            return null;
        }
        String array = id.substring(0, u);
        int step = Integer.parseInt(id.substring(u + 1));
        for (JobAccounting a : records.values()) {
            boolean covers = a.id().equals(array) || a.id().startsWith(array + "_[") && SlurmValues.indicesContain(
                    a.id().substring(array.length() + 2, a.id().length() - 1), step);
            if (covers && a.state().isFinished()) {
                return a;
            }
        }
        return null;
    }

    /**
     * This user's jobs with {@code comment}, submitted since {@code since}, with their states: for finding a job
     * whose id was lost (a host that died between sbatch and writing the id down). Asks the controller (squeue)
     * and the accounting database (sacct, which keeps comments where {@code AccountingStoreFlags=job_comment}).
     */
    public Map<String, JobState> findByComment(String comment, Instant since) {
        Map<String, JobState> found = new LinkedHashMap<>();
        accountedSince(since, List.of()).values().stream().filter(a -> a.comment().equals(comment))
                .forEach(a -> found.put(a.id(), a.state()));
        squeue(List.of("--user=" + user)).stream().filter(q -> q.comment().equals(comment)).forEach(q -> found.put(q.id(), q.state()));
        return found;
    }

    /** Like {@link #findByComment} for the job name, which every cluster's accounting keeps. */
    public Map<String, JobState> findByName(String name, Instant since) {
        Map<String, JobState> found = new LinkedHashMap<>();
        accountedSince(since, List.of("--name=" + name)).values().stream().filter(a -> a.name().equals(name))
                .forEach(a -> found.put(a.id(), a.state()));
        queueNamed(name).forEach(q -> found.put(q.id(), q.state()));
        return found;
    }

    /** The partitions and their limits, as submissions are checked against them (re-read every few minutes). */
    public List<Partition> partitions() {
        return limits.partitions();
    }

    /** This user's jobs in the accounting database since {@code since}, narrowed by {@code filters}. */
    Map<String, JobAccounting> accountedSince(Instant since, List<String> filters) {
        String start = LocalDateTime.ofInstant(since.truncatedTo(ChronoUnit.SECONDS), ZoneId.systemDefault()).format(SACCT_TIME);
        List<String> args = new ArrayList<>(List.of("--user=" + user, "--starttime=" + start));
        args.addAll(filters);
        return sacct(args);
    }

    private Map<String, JobAccounting> sacct(List<String> selection) {
        List<String> args = new ArrayList<>(SacctOutput.formatArguments());
        args.addAll(selection);
        return SacctOutput.parse(runner.check(runner.command("sacct", args), null, Map.of()));
    }

    private List<QueuedJob> squeue(List<String> selection) {
        List<String> args = new ArrayList<>(List.of("--noheader", "--array", "--states=all", "--Format=" + SqueueOutput.format()));
        args.addAll(selection);
        List<String> command = runner.command("squeue", args);
        CommandRunner.Result r = runner.run(command, null, Map.of());
        if (r.exitStatus() != 0) {
            if (r.stderr().contains("Invalid job id specified")) {
                return List.of(); // squeue --jobs with ids it does not know (any more), and none it knows
            }
            throw new SlurmCommandException(command, r.exitStatus(), r.stderr(), "failed with exit status " + r.exitStatus(), null);
        }
        return SqueueOutput.parse(r.stdout());
    }

    private String scontrol(String... args) {
        return runner.check(runner.command("scontrol", List.of(args)), null, Map.of());
    }

    /** Where the tools are, what they see in their environment ({@code SLURM_CONF}...), how long they may take. */
    public static final class Builder {
        private Path binDir;
        private final Map<String, String> environment = new HashMap<>();
        private Duration timeout = Duration.ofSeconds(30);
        private Duration limitsMaxAge = Duration.ofMinutes(5);
        private String user = System.getProperty("user.name");

        private Builder() {
        }

        /** The directory of sbatch, squeue...; by default they are found on the PATH. */
        public Builder binDir(Path dir) {
            binDir = dir;
            return this;
        }

        /** Variables set for every command besides this process's environment, such as {@code SLURM_CONF}. */
        public Builder environment(Map<String, String> variables) {
            environment.putAll(variables);
            return this;
        }

        /** How long one command may take before it is killed and reported; 30 s by default. */
        public Builder timeout(Duration t) {
            if (t.isNegative() || t.isZero()) {
                throw new IllegalArgumentException("Slurm command timeout must be positive, got " + t);
            }
            timeout = t;
            return this;
        }

        /** How long partition limits read from scontrol are trusted; 5 minutes by default. */
        public Builder limitsMaxAge(Duration age) {
            limitsMaxAge = age;
            return this;
        }

        /** The user whose jobs queueNamed and findBy... look at; this process's user by default. */
        public Builder user(String name) {
            user = name;
            return this;
        }

        public SlurmCommands build() {
            return new SlurmCommands(this);
        }
    }
}
