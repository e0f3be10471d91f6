package dev.multiproc.cli.bench;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.journal.SqlTaskJournal;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The figures that matter for a distributor, measured side by side in one run: throughput against
 * xargs, a plain ProcessBuilder pool and GNU parallel; the time an array submit takes; the cost of a
 * poll with a long history; recovery time; and whether the heap grows with the number of tasks run.
 */
public final class Bench {

    /** What to measure, and how much. */
    public record Settings(int tasks, List<Integer> jobs, int rounds, int warmup, String command, int arraySteps, int historyTasks,
            int activeTasks, int pollCalls, int recoveryTasks, long heapTasks, long heapHistory, Path workDir) {
    }

    /** Tasks per second of each tool at one parallelism; NaN for a tool that is not installed. */
    public record Throughput(int jobs, double xargs, double processBuilder, double gnuParallel, double multiproc, CpuSplit cpu) {
        public double ratio(double rate) {
            return rate / xargs;
        }
    }

    /**
     * Where the CPU time of a task goes, in microseconds per task over all rounds: xargs with its tasks,
     * and multiproc's host JVM (with its busiest threads), launcher and task processes; and how many of
     * the machine's cores each kept busy on average.
     */
    public record CpuSplit(double xargsUs, double hostUs, double journalWriterUs, double launcherEventsUs, double launcherRequestsUs,
            double launcherUs, double tasksUs, double xargsCoresBusy, double multiprocCoresBusy) {
    }

    /** Time per call, in microseconds. */
    public record Latency(double medianUs, double p99Us, int calls) {
    }

    /** Heap in use after a full GC, by how many tasks had passed through the distributor. */
    public record HeapPoint(long tasks, long heapBytes, long journalBytes) {
    }

    public record Results(List<Throughput> throughput, double arraySubmitMs, int arraySteps, Latency poll, int activeTasks,
            int historyTasks, double recoveryMs, int recoveryTasks, List<HeapPoint> heap, long journalAfterStopBytes, double stopMs) {
    }

    private final Settings settings;
    private final PrintWriter log;
    /** Where the distributors measured keep their journal: unchanged for H2 in their journal directories. */
    private final UnaryOperator<MultiprocessDistributor.Builder> journal;
    /** The heap run's journal file once its distributor stopped (and compacted it); -1 before that run. */
    private long journalAfterStop = -1;
    /** How long the heap run's distributor took to stop (compacting its journal included). */
    private double stopMs = Double.NaN;

    public Bench(Settings settings, PrintWriter log) {
        this(settings, log, UnaryOperator.identity());
    }

    /** A bench whose distributors are configured by {@code journal} too (a journal on PostgreSQL: see {@link PostgresBench}). */
    Bench(Settings settings, PrintWriter log, UnaryOperator<MultiprocessDistributor.Builder> journal) {
        this.settings = settings;
        this.log = log;
        this.journal = journal;
    }

    public Results run() throws Exception {
        List<Throughput> throughput = new ArrayList<>();
        for (int jobs : settings.jobs()) {
            throughput.add(throughput(jobs));
        }
        double array = arraySubmit();
        Latency poll = poll();
        double recovery = recovery();
        List<HeapPoint> heap = settings.heapTasks() > 0 ? heap() : List.of();
        return new Results(throughput, array, settings.arraySteps(), poll, settings.activeTasks(), settings.historyTasks(), recovery,
                settings.recoveryTasks(), heap, journalAfterStop, stopMs);
    }

    private Path fresh(String name) throws IOException {
        Path dir = settings.workDir().resolve(name);
        deleteTree(dir);
        return Files.createDirectories(dir);
    }

    private MultiprocessDistributor.Builder distributor(Path dir, int parallelism) {
        return journal.apply(MultiprocessDistributor.builder().clusterName("bench").parallelism(parallelism).journalDir(dir.resolve("journal")));
    }

    // ------------------------------------------------------------------ throughput

    Throughput throughput(int jobs) throws Exception {
        Path dir = fresh("throughput-" + jobs);
        String cmd = settings.command();
        int m = settings.tasks();
        List<Double> xargs = new ArrayList<>();
        List<Double> pool = new ArrayList<>();
        List<Double> parallel = new ArrayList<>();
        List<Double> multiproc = new ArrayList<>();
        double xargsCpuUs = 0;
        double xargsSeconds = 0;
        CpuMeter meter = new CpuMeter();
        try (MultiprocessDistributor d = distributor(dir, jobs).build()) {
            d.start();
            log.printf("throughput at N=%d: warming multiproc up with %d tasks...%n", jobs, settings.warmup());
            log.flush();
            runAll(d, Math.max(1, settings.warmup())); // also starts the launcher, whose CPU time is measured
            long launcher = launcherPid();
            for (int round = 1; round <= settings.rounds(); round++) {
                Peers.Run x = Peers.xargs(m, jobs, cmd, dir);
                xargs.add(x.rate());
                xargsCpuUs += x.cpuUsPerTask() * m;
                xargsSeconds += m / x.rate();
                pool.add(Peers.processBuilderPool(m, jobs, cmd));
                parallel.add(Peers.gnuParallel(m, jobs, cmd, dir));
                meter.begin(launcher);
                multiproc.add(runAll(d, m));
                meter.end(launcher);
                log.printf("  round %d: xargs %.0f/s, ProcessBuilder pool %.0f/s, GNU parallel %s, multiproc %.0f/s%n", round,
                        xargs.get(round - 1), pool.get(round - 1), Double.isNaN(parallel.get(round - 1)) ? "not installed"
                                : String.format("%.0f/s", parallel.get(round - 1)), multiproc.get(round - 1));
                log.flush();
            }
        }
        long all = (long) m * settings.rounds();
        CpuSplit cpu = meter.split(all, xargsCpuUs / all, xargsCpuUs / 1e6 / xargsSeconds);
        log.printf("  CPU per task: xargs with its tasks %.0f us; multiproc: host %.0f us, launcher %.0f us, tasks %.0f us; "
                + "cores busy: xargs %.2f, multiproc %.2f%n", cpu.xargsUs(), cpu.hostUs(), cpu.launcherUs(), cpu.tasksUs(),
                cpu.xargsCoresBusy(), cpu.multiprocCoresBusy());
        log.flush();
        return new Throughput(jobs, median(xargs), median(pool), median(parallel), median(multiproc), cpu);
    }

    /** The launcher of this JVM's distributor: its child running the launcher binary. */
    private static long launcherPid() {
        return ProcessHandle.current().children().filter(p -> p.info().command().orElse("").contains("mpagent")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no launcher among this JVM's children")).pid();
    }

    /** Submits {@code m} tasks (one durable commit) and waits until all have ended; tasks per second. */
    private double runAll(MultiprocessDistributor d, int m) throws InterruptedException {
        long t0 = System.nanoTime();
        d.engine().submitAll(Collections.nCopies(m, settings.command()), "bench", Map.of());
        if (!d.engine().awaitIdle(Duration.ofHours(2))) {
            throw new IllegalStateException("the benchmark tasks did not finish");
        }
        return m / ((System.nanoTime() - t0) / 1e9);
    }

    // ------------------------------------------------------------------ array, poll, recovery

    /** How long {@code submitArrayToBatchDistributor} takes for a large array, until its rows are durable. */
    double arraySubmit() throws Exception {
        Path dir = fresh("array");
        try (MultiprocessDistributor d = distributor(dir, 2).build()) {
            d.submitArrayToBatchDistributor("true", "warm-up", Map.of(), 1000); // loads the classes and statements involved
            long t0 = System.nanoTime();
            d.submitArrayToBatchDistributor(settings.command(), "array", Map.of(), settings.arraySteps());
            double ms = (System.nanoTime() - t0) / 1e6;
            log.printf("array of %d steps submitted (durable) in %.0f ms%n", settings.arraySteps(), ms);
            log.flush();
            d.engine().detach(); // not started: nothing to stop
            return ms;
        }
    }

    /** {@code getSubmittedOrRunning(null)} with many tasks active and a long history. */
    Latency poll() throws Exception {
        Path dir = fresh("poll");
        try (MultiprocessDistributor d = distributor(dir, 8).build()) {
            long now = System.currentTimeMillis();
            int history = settings.historyTasks();
            log.printf("writing a history of %d finished tasks...%n", history);
            log.flush();
            writeHistory((SqlTaskJournal) d.engine().journal(), history, now);
            d.start();
            d.submitArrayToBatchDistributor("sleep 600", "active", Map.of(), settings.activeTasks());
            long[] us = new long[settings.pollCalls()];
            for (int i = 0; i < 1000; i++) {
                d.getSubmittedOrRunning(null); // warm up
            }
            int seen = 0;
            for (int i = 0; i < us.length; i++) {
                long t0 = System.nanoTime();
                seen = d.getSubmittedOrRunning(null).size();
                us[i] = System.nanoTime() - t0;
            }
            Arrays.sort(us);
            Latency latency = new Latency(us[us.length / 2] / 1e3, us[(int) (us.length * 0.99)] / 1e3, us.length);
            log.printf("getSubmittedOrRunning(null) with %d active (%d returned) and %d finished: median %.1f us, p99 %.1f us%n",
                    settings.activeTasks(), seen, history, latency.medianUs(), latency.p99Us());
            log.flush();
            d.stop();
            return latency;
        }
    }

    /**
     * A finished job of {@code tasks} steps, written straight into the journal's database in one transaction, through
     * its store: one statement for H2 and PostgreSQL alike (PostgreSQL's dialect turns SYSTEM_RANGE into generate_series).
     */
    static void writeHistory(SqlTaskJournal journal, int tasks, long now) {
        journal.store().jdbi().useTransaction(h -> {
            h.createUpdate("INSERT INTO job (job_id, name, command, resources, cores, array_length, submitted_ms, session_id) "
                    + "VALUES (1000000000, 'history', 'true', '{}', 1, :n, :now, 0)").bind("n", tasks).bind("now", now).execute();
            h.createUpdate("INSERT INTO task (task_id, job_id, step, state, exit_code, end_cause, status_code, message, started_ms, "
                    + "ended_ms) SELECT CONCAT('1000000000_', X), 1000000000, X, 'DONE', 0, 'exit', 'U', 'Process exited with code 0', "
                    + ":now, :now FROM SYSTEM_RANGE(0, :last)").bind("now", now).bind("last", tasks - 1).execute();
        });
    }

    /** Time from {@code start()} until dispatch resumes, on a journal an earlier host left with many unfinished tasks. */
    private double recovery() throws Exception {
        Path dir = fresh("recovery");
        try (MultiprocessDistributor earlier = distributor(dir, 8).build()) {
            earlier.submitArrayToBatchDistributor("true", "unfinished", Map.of(), settings.recoveryTasks());
            earlier.engine().detach(); // like a host that died: the tasks stay unfinished in the journal
        }
        try (MultiprocessDistributor d = distributor(dir, 8).build()) {
            long t0 = System.nanoTime();
            d.start();
            double ms = (System.nanoTime() - t0) / 1e6;
            log.printf("recovery of %d unfinished tasks: dispatch resumed %.0f ms after start() (%s)%n", settings.recoveryTasks(), ms,
                    d.engine().recovery().orElseThrow());
            log.flush();
            d.stop();
            return ms;
        }
    }

    // ------------------------------------------------------------------ heap

    /**
     * One long-lived distributor runs {@code heapTasks} tasks, keeping the newest {@code heapHistory} in
     * its journal; the heap after a full GC, and the journal's size, at each tenth of the way.
     */
    private List<HeapPoint> heap() throws Exception {
        Path dir = fresh("heap");
        List<HeapPoint> points = new ArrayList<>();
        long stopping;
        long total = settings.heapTasks();
        long step = Math.max(10_000, total / 10);
        log.printf("running %d tasks through one distributor (history kept: %d tasks)...%n", total, settings.heapHistory());
        log.flush();
        try (MultiprocessDistributor d = distributor(dir, 8).historyMaxTasks(settings.heapHistory())
                .retentionCheckInterval(Duration.ofSeconds(10)).build()) {
            d.start();
            long done = 0;
            long t0 = System.nanoTime();
            while (done < total) {
                int chunk = (int) Math.min(10_000, total - done);
                runAll(d, chunk);
                done += chunk;
                if (done % step == 0 || done == total) {
                    d.engine().pruneHistory();
                    d.engine().flushJournal();
                    HeapPoint p = new HeapPoint(done, heapAfterGc(), Files.size(dir.resolve("journal").resolve("journal.mv.db")));
                    points.add(p);
                    log.printf("  after %d tasks (%.0f/s): heap %.1f MiB, journal %.1f MiB%n", done, done / ((System.nanoTime() - t0) / 1e9),
                            p.heapBytes() / 1048576.0, p.journalBytes() / 1048576.0);
                    log.flush();
                }
            }
            stopping = System.nanoTime();
        }
        stopMs = (System.nanoTime() - stopping) / 1e6;
        journalAfterStop = Files.size(dir.resolve("journal").resolve("journal.mv.db"));
        log.printf("  the distributor stopped in %.0f ms; journal %.1f MiB%n", stopMs, journalAfterStop / 1048576.0);
        return points;
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    // ------------------------------------------------------------------ helpers

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() / 2);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(Collections.reverseOrder()).forEach(uncheck(Files::delete));
        }
    }

    private interface IoConsumer<T> {
        void accept(T t) throws IOException;
    }

    private static <T> Consumer<T> uncheck(IoConsumer<T> c) {
        return t -> {
            try {
                c.accept(t);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        };
    }
}
