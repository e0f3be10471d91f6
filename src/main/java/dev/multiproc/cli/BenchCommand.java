package dev.multiproc.cli;

import dev.multiproc.cli.bench.Bench;
import dev.multiproc.cli.bench.FootprintBench;
import dev.multiproc.cli.bench.PostgresBench;
import dev.multiproc.cli.bench.ServiceBench;
import dev.multiproc.cli.bench.SlurmBench;
import dev.multiproc.cli.bench.StartupBench;
import dev.multiproc.config.Durations;
import dev.multiproc.journal.PostgresJournalSettings;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code multiproc bench}: the figures, side by side, in one run. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures multiproc against xargs -P, a plain JDK ProcessBuilder pool and GNU parallel --joblog (when installed: "
                + "apt-get install parallel) on the same workload, in one run; then the time to submit a large array, the cost of a poll "
                + "with a long history, recovery time, and the heap after many tasks; with --slurm, multiproc on Slurm beside plain sbatch "
                + "and squeue; the resident memory of a big run and of a service with a long history. Prints a table, or JSON."},
        footer = {"", "Examples:", "  multiproc bench", "  multiproc bench --tasks 2000 --heap-tasks 0 --json",
                "  multiproc bench --slurm-only", "  multiproc bench --startup-only",
                "  MULTIPROC_JOURNAL_USER=me MULTIPROC_JOURNAL_PASSWORD=... multiproc bench --journal-url jdbc:postgresql://db:5432/postgres"})
final class BenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--tasks", defaultValue = "5000", description = "Tasks per round of the throughput comparison (default: ${DEFAULT-VALUE}).")
    int tasks;

    @Option(names = "--jobs", split = ",", defaultValue = "2,8", description = "Parallelism to compare at (default: ${DEFAULT-VALUE}).")
    List<Integer> jobs = new ArrayList<>();

    @Option(names = "--rounds", defaultValue = "3", description = "Rounds of each tool; the median counts (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup", defaultValue = "5000", description = "Tasks multiproc runs before it is measured (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--command", defaultValue = "true", description = "The trivial command (default: ${DEFAULT-VALUE}).")
    String command;

    @Option(names = "--array-steps", defaultValue = "100000", description = "Steps of the array submitted at once (default: ${DEFAULT-VALUE}).")
    int arraySteps;

    @Option(names = "--history", defaultValue = "1000000", description = "Finished tasks in the journal while polling (default: ${DEFAULT-VALUE}).")
    int history;

    @Option(names = "--active", defaultValue = "1000", description = "Active tasks while polling (default: ${DEFAULT-VALUE}).")
    int active;

    @Option(names = "--poll-calls", defaultValue = "5000", description = "Polls measured (default: ${DEFAULT-VALUE}).")
    int pollCalls;

    @Option(names = "--recovery-tasks", defaultValue = "10000", description = "Unfinished tasks to recover (default: ${DEFAULT-VALUE}).")
    int recoveryTasks;

    @Option(names = "--heap-tasks", defaultValue = "1000000",
            description = "Tasks through one distributor for the heap figure; 0 skips it (default: ${DEFAULT-VALUE}, about 15 minutes).")
    long heapTasks;

    @Option(names = "--heap-history", defaultValue = "100000",
            description = "Tasks the journal keeps during the heap run (history_max_tasks; default: ${DEFAULT-VALUE}).")
    long heapHistory;

    @Option(names = "--api-calls", defaultValue = "5000",
            description = "Round trips measured over the service's HTTP API (and twice as many submits); 0 skips the service's part (default: ${DEFAULT-VALUE}).")
    int apiCalls;

    @Option(names = "--service-only", description = "Measure only the service's HTTP API.")
    boolean serviceOnly;

    @Option(names = "--startup", description = "Also measure the command line's start-up (--help, status, run of one true) beside "
            + "the JVM alone and GNU parallel, with the breakdown of its phases.")
    boolean startup;

    @Option(names = "--startup-only", description = "Measure only the command line's start-up (implies --startup).")
    boolean startupOnly;

    @Option(names = "--startup-rounds", defaultValue = "7", description = "Rounds of the start-up figures; the median counts (default: ${DEFAULT-VALUE}).")
    int startupRounds;

    @Option(names = "--footprint", description = "Measure the resident memory at full size: a run of 100,000 lines and a service "
            + "holding 1,000,000 tasks (without it: 20,000 and 100,000).")
    boolean footprint;

    @Option(names = "--footprint-only", description = "Measure only the resident memory (implies --footprint).")
    boolean footprintOnly;

    @Option(names = "--footprint-lines", paramLabel = "N", description = "Lines of `true` of the run whose memory is measured; 0 skips it.")
    Integer footprintLines;

    @Option(names = "--footprint-history", paramLabel = "N",
            description = "Tasks the service runs, and keeps in its history, while its memory is measured; 0 skips it.")
    Integer footprintHistory;

    @Option(names = "--slurm", description = "Also measure multiproc on Slurm beside plain sbatch and squeue (SLURM_CONF reaches Slurm).")
    boolean slurm;

    @Option(names = "--slurm-only", description = "Measure only on Slurm (implies --slurm).")
    boolean slurmOnly;

    @Option(names = "--slurm-array-steps", defaultValue = "1000",
            description = "Steps of the Slurm array submitted and polled (at most Slurm's MaxArraySize - 1; default: ${DEFAULT-VALUE}).")
    int slurmArraySteps;

    @Option(names = "--slurm-tasks", defaultValue = "100", description = "Single Slurm jobs, and steps of an array, run end to end (default: ${DEFAULT-VALUE}).")
    int slurmTasks;

    @Option(names = "--slurm-poll-interval", defaultValue = "500ms",
            description = "How often multiproc, and the plain script, ask squeue (default: ${DEFAULT-VALUE}).")
    String slurmPollInterval;

    @Option(names = "--journal-url", paramLabel = "URL", description = "Also measure throughput, the large array and the poll with the "
            + "journal on this PostgreSQL server (jdbc:postgresql://HOST:PORT/DATABASE), beside H2: each figure in a database the bench "
            + "creates there and drops afterwards, so its user needs CREATEDB. Credentials as for journal_url: --journal-credentials, "
            + "else MULTIPROC_JOURNAL_USER and MULTIPROC_JOURNAL_PASSWORD.")
    String journalUrl;

    @Option(names = "--journal-credentials", paramLabel = "FILE",
            description = "With --journal-url: a file of mode 0600 with lines user=NAME and password=SECRET.")
    Path journalCredentials;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where the benchmark's journals go (default: a new temporary directory).")
    Path dir;

    @Option(names = "--json", description = "Print the results as JSON.")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "Say more.")
    boolean[] verbose = new boolean[0];

    @Override
    public Integer call() throws Exception {
        Verbosity.set(verbose.length);
        if (tasks < 1 || rounds < 1 || jobs.isEmpty() || jobs.stream().anyMatch(j -> j < 1)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--tasks, --rounds and --jobs must be at least 1");
        }
        PostgresJournalSettings postgres = postgres();
        Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("multiproc-bench");
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        boolean only = slurmOnly || serviceOnly || startupOnly || footprintOnly;
        String loadBefore = loadAverage();
        StartupBench.Results st = startup || startupOnly ? new StartupBench(work.resolve("startup"), Math.max(1, startupRounds), err).run() : null;
        Bench.Settings local = new Bench.Settings(tasks, jobs, rounds, warmup, command, arraySteps, history, active, pollCalls,
                recoveryTasks, heapTasks, heapHistory, work);
        Bench.Results r = only ? null : new Bench(local, err).run();
        PostgresBench.Results pg = only || postgres == null ? null : new PostgresBench(local, postgres, journalCredentials, err).run();
        ServiceBench.Results api = slurmOnly || startupOnly || footprintOnly || apiCalls < 1 ? null : new ServiceBench(work.resolve("service"), apiCalls, arraySteps, err).run();
        SlurmBench.Results s = (slurm || slurmOnly) && !serviceOnly && !startupOnly && !footprintOnly ? slurm(work, err) : null;
        FootprintBench.Results fp = only && !footprintOnly ? null : footprint(work, err);
        String loadAfter = loadAverage();
        if (json) {
            Map<String, Object> all = new LinkedHashMap<>();
            all.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(), "loadAverageAtStart", loadBefore,
                    "loadAverageAtEnd", loadAfter));
            all.put("startup", st);
            all.put("local", r);
            all.put("postgres", pg);
            all.put("service", api);
            all.put("slurm", s);
            all.put("footprint", fp);
            out.println(Table.json(all));
        } else {
            out.printf(Locale.ROOT, "machine: %d cores; load average (1, 5, 15 min) %s at the start, %s at the end%n",
                    Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter);
            if (st != null) {
                StartupBench.print(out, st);
            }
            if (r != null) {
                print(out, r);
            }
            if (pg != null) {
                PostgresBench.print(out, r, pg);
            }
            if (api != null) {
                print(out, api);
            }
            if (s != null) {
                print(out, s);
            }
            if (fp != null) {
                print(out, fp);
            }
        }
        out.flush();
        return 0;
    }

    /** The PostgreSQL server of --journal-url, its credentials found as the product finds journal_url's; null without it. */
    private PostgresJournalSettings postgres() {
        if (journalUrl == null) {
            if (journalCredentials != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--journal-credentials needs --journal-url");
            }
            return null;
        }
        try {
            return PostgresJournalSettings.resolve(journalUrl, journalCredentials, System.getenv());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** The machine's load average from {@code /proc/loadavg}: other work running beside the bench skews its figures. */
    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private FootprintBench.Results footprint(Path work, PrintWriter err) throws Exception {
        boolean full = footprint || footprintOnly;
        int lines = footprintLines != null ? footprintLines : full ? 100_000 : 20_000;
        int history = footprintHistory != null ? footprintHistory : full ? 1_000_000 : 100_000;
        if (lines < 0 || history < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--footprint-lines and --footprint-history must be at least 0");
        }
        return new FootprintBench(new FootprintBench.Settings(lines, 2, history, 4, work.resolve("footprint")), err).run();
    }

    private static void print(PrintWriter out, FootprintBench.Results f) {
        out.printf(Locale.ROOT, "resident memory of a host (VmRSS, sampled every 100 ms; JVM options of bin/multiproc: %s):%n",
                String.join(" ", f.jvmOptions()));
        for (FootprintBench.Host h : java.util.Arrays.asList(f.run(), f.service())) {
            if (h != null) {
                out.printf(Locale.ROOT, "  %-40s peak %5.0f MiB, at its end %5.0f MiB, %6.0f tasks/s%n", h.what().equals("run")
                        ? String.format(Locale.ROOT, "run of %,d lines of true, -j %d:", h.tasks(), h.jobs())
                        : String.format(Locale.ROOT, "service holding %,d tasks, -j %d:", h.tasks(), h.jobs()),
                        h.peakRssBytes() / 1048576.0, h.endRssBytes() / 1048576.0, h.tasksPerSecond());
            }
        }
    }

    private SlurmBench.Results slurm(Path work, PrintWriter err) throws Exception {
        if (slurmArraySteps < 1 || slurmTasks < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--slurm-array-steps and --slurm-tasks must be at least 1");
        }
        Duration poll = Durations.parse("--slurm-poll-interval", slurmPollInterval);
        String why = SlurmBench.unreachable();
        if (why != null) {
            throw new IllegalStateException("cannot measure on Slurm: sinfo did not answer (" + why + "); set SLURM_CONF to reach it");
        }
        return new SlurmBench(new SlurmBench.Settings(slurmArraySteps, slurmTasks, rounds, poll, work), err).run();
    }

    private static void print(PrintWriter out, SlurmBench.Results s) {
        out.printf(Locale.ROOT, "on Slurm: multiproc beside plain sbatch/squeue (ratio: multiproc over plain)%n");
        out.printf(Locale.ROOT, "  array of %d steps, submit until Slurm has it: %.0f ms vs sbatch --array %.0f ms (%.2fx); "
                + "submitArrayToBatchDistributor returned after %.0f ms%n", s.arraySteps(), s.arraySubmitMs().multiproc(),
                s.arraySubmitMs().plain(), s.arraySubmitMs().ratio(), s.arrayCallMs());
        out.printf(Locale.ROOT, "  poll of %d active jobs: multiproc's squeue %.0f ms vs plain squeue %.0f ms (%.2fx); "
                + "getSubmittedOrRunning from memory %.1f us%n", s.arraySteps(), s.pollMs().multiproc(), s.pollMs().plain(),
                s.pollMs().ratio(), s.pollFromMemoryUs());
        out.printf(Locale.ROOT, "  %d single jobs end to end: %.1f vs %.1f tasks/s (%.2fx)%n", s.tasks(), s.singlesPerSecond().multiproc(),
                s.singlesPerSecond().plain(), s.singlesPerSecond().ratio());
        out.printf(Locale.ROOT, "  array of %d steps end to end: %.1f vs %.1f tasks/s (%.2fx)%n", s.tasks(),
                s.arrayStepsPerSecond().multiproc(), s.arrayStepsPerSecond().plain(), s.arrayStepsPerSecond().ratio());
    }

    private void print(PrintWriter out, Bench.Results r) {
        out.printf(Locale.ROOT, "throughput: tasks per second, median of %d rounds of %d x `%s` (multiproc warmed up with %d tasks)%n", rounds,
                tasks, command, warmup);
        out.printf(Locale.ROOT, "  %-3s  %14s  %22s  %22s  %22s%n", "N", "xargs -P N", "JDK ProcessBuilder pool", "GNU parallel --joblog",
                "multiproc (journaled)");
        for (Bench.Throughput t : r.throughput()) {
            out.printf(Locale.ROOT, "  %-3d  %14.0f  %22s  %22s  %22s%n", t.jobs(), t.xargs(), rate(t, t.processBuilder()), rate(t, t.gnuParallel()),
                    rate(t, t.multiproc()));
        }
        out.println("CPU time per task, microseconds (all rounds; cores busy: average of the machine's cores in use):");
        out.printf(Locale.ROOT, "  %-3s  %16s  %28s  %8s  %8s  %22s%n", "N", "xargs with tasks", "multiproc host (writer/events/requests)",
                "launcher", "tasks", "cores busy: xargs, mp");
        for (Bench.Throughput t : r.throughput()) {
            Bench.CpuSplit c = t.cpu();
            out.printf(Locale.ROOT, "  %-3d  %16.0f  %28s  %8.0f  %8.0f  %22s%n", t.jobs(), c.xargsUs(),
                    String.format(Locale.ROOT, "%.0f (%.0f/%.0f/%.0f)", c.hostUs(), c.journalWriterUs(), c.launcherEventsUs(),
                            c.launcherRequestsUs()),
                    c.launcherUs(), c.tasksUs(), String.format(Locale.ROOT, "%.2f, %.2f", c.xargsCoresBusy(), c.multiprocCoresBusy()));
        }
        out.printf(Locale.ROOT, "array of %d steps submitted, durable: %.0f ms%n", r.arraySteps(), r.arraySubmitMs());
        out.printf(Locale.ROOT, "getSubmittedOrRunning(null), %d active, %d finished in the history: median %.1f us, p99 %.1f us (%d calls)%n",
                r.activeTasks(), r.historyTasks(), r.poll().medianUs(), r.poll().p99Us(), r.poll().calls());
        out.printf(Locale.ROOT, "recovery of %d unfinished tasks: dispatch resumed %.0f ms after start()%n", r.recoveryTasks(), r.recoveryMs());
        if (!r.heap().isEmpty()) {
            out.println("heap after a full GC, by tasks run through one distributor keeping " + heapHistory
                    + " tasks of history (journal file size):");
            for (Bench.HeapPoint p : r.heap()) {
                out.printf(Locale.ROOT, "  %,10d tasks: heap %6.1f MiB  (journal %.1f MiB)%n", p.tasks(), p.heapBytes() / 1048576.0,
                        p.journalBytes() / 1048576.0);
            }
            out.printf(Locale.ROOT, "  that distributor stopped in %.0f ms, compacting its journal file to %.1f MiB%n", r.stopMs(),
                    r.journalAfterStopBytes() / 1048576.0);
        }
    }

    private static void print(PrintWriter out, ServiceBench.Results a) {
        out.println("service API (multiproc serve in this JVM, HTTP/JSON on 127.0.0.1, keep-alive):");
        out.printf(Locale.ROOT, "  poll round trip (100 ids) from Java: median %.0f us, p99 %.0f us; from Python: median %.0f us, p99 %.0f us (%d calls each)%n",
                a.javaPoll().medianUs(), a.javaPoll().p99Us(), a.pythonPoll().medianUs(), a.pythonPoll().p99Us(), a.javaPoll().calls());
        out.printf(Locale.ROOT, "  submits per second, each durable: %.0f from one client, %.0f from eight (in the service's JVM, no HTTP: %.0f)%n",
                a.submitsPerSecondOne(), a.submitsPerSecondEight(), a.submitsPerSecondEmbedded());
        out.printf(Locale.ROOT, "  array of %d steps through the API, durable, ids back: %.0f ms%n", a.arraySteps(), a.arrayMs());
    }

    private static String rate(Bench.Throughput t, double rate) {
        return Double.isNaN(rate) ? "not installed" : String.format(Locale.ROOT, "%.0f (%.2fx)", rate, t.ratio(rate));
    }
}
