package dev.multiproc.cli;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.core.Outcome;
import dev.multiproc.core.RunStart;
import dev.multiproc.journal.RunSummary;
import dev.multiproc.journal.RecoveryCounts;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code multiproc run FILE}: one shell command per line, journaled, resumable, with bounded parallelism. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs one shell command per line of FILE (or - for standard input) through /bin/sh, at most -j at a time.",
                "Blank lines and lines starting with # are skipped. Running the same run again (same name, same commands) resumes it: "
                        + "tasks still alive are reattached, finished ones do not run again, the rest run.",
                "Ctrl-C asks whether to leave the running tasks running (the next run reattaches them) or to kill them; a second "
                        + "Ctrl-C kills. Exits with the number of failed commands (at most 101), and lists the first 20 failures "
                        + "with their log files."},
        footer = {"", "Examples:", "  multiproc run -j 4 src/examples/hello.txt",
                "  multiproc run --retry-failed src/examples/hello.txt",
                "  multiproc run --output -j 8 src/examples/hello.txt > all-output.txt",
                "  seq 100 | sed 's/^/sleep 0.1; echo /' | multiproc run --name counting -"})
final class RunCommand implements Callable<Integer> {
    private static final int MAX_EXIT = 101;

    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "Commands, one per line; - reads standard input.")
    String file;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N", description = "Run at most N commands at once (overrides parallelism).")
    Integer jobs;

    @Option(names = "--cluster", paramLabel = "local|slurm",
            description = "Run the commands as local processes or as Slurm jobs (overrides cluster; SLURM_CONF reaches Slurm).")
    String cluster;

    @Option(names = "--name", paramLabel = "NAME", description = "Name of the run and its tasks (default: the file's name, or stdin).")
    String name;

    @Option(names = "--retry-failed", description = "Run again the commands of this run that failed, were lost or never started.")
    boolean retryFailed;

    @Option(names = "--no-progress", description = "No progress bar or progress lines.")
    boolean noProgress;

    @Option(names = "--output", description = {"Print each task's output when it finishes, in the order they finish: its standard "
            + "output to ours, then its standard error to ours, whole, never mixed with another task's (as GNU parallel's --group). "
            + "It is read from the task's log files, so log_dir must not be empty.",
            "A resumed run prints the output of the tasks that finish in this run, also of those it reattached; "
            + "not of those that ended before (multiproc logs ID shows any task's)."})
    boolean output;

    @Override
    public Integer call() throws Exception {
        if (jobs != null && jobs < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "-j must be at least 1, got " + jobs);
        }
        return run(spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** Runs the file's commands, printing the outcome to {@code out} and progress and notices to {@code err}; the exit status. */
    int run(PrintWriter out, PrintWriter err) throws Exception {
        common.init();
        Path logDir = common.config().logDir();
        if (output && (logDir == null || logDir.toString().isEmpty())) {
            throw new IllegalArgumentException("--output prints the tasks' log files, and log_dir is empty in "
                    + (common.config != null ? common.config : Path.of("config.yml")) + ", so their output is discarded: set log_dir");
        }
        List<String> commands = CommandFile.read(file, System.in);
        HostMemory.bound();
        if (commands.isEmpty()) {
            err.println("multiproc: " + (file.equals("-") ? "standard input" : file) + " holds no commands");
            err.flush();
            return 0;
        }
        String runName = name != null ? name : file.equals("-") ? "stdin" : Path.of(file).getFileName().toString();
        long t0 = System.nanoTime();
        Interrupts interrupts = Interrupts.install();
        MultiprocessDistributor d = common.host(cluster, b -> jobs != null ? b.parallelism(jobs) : b);
        boolean detached = false;
        StatusSocket socket = null;
        try {
            Counter counter = new Counter(output);
            d.engine().addEndListener(counter::ended);
            d.start();
            socket = StatusSocket.open(common, d).orElse(null);
            reportRecovery(err, d.engine().recovery().orElse(null));
            RunStart run = d.engine().startRun(runName, file.equals("-") ? "stdin" : Path.of(file).toAbsolutePath().toString(), commands,
                    retryFailed);
            dev.multiproc.trace.StartupTrace.mark("run journaled");
            counter.watch(run.waitFor());
            if (run.resumed()) {
                err.printf(Locale.ROOT, "multiproc: resuming run %s: %d done and %d failed before, %d to run or finish now%n", runName,
                        run.alreadyDone(), run.alreadyFailed(), run.waitFor().size());
                err.flush();
            }
            Progress progress = noProgress ? Progress.none() : Progress.forStream(err, runName, run.waitFor().size());
            GroupedOutput grouped = output ? new GroupedOutput(d.engine().journal(), System.out, System.err, err) : null;
            Set<String> remaining = new HashSet<>(run.waitFor());
            try {
                while (!remaining.isEmpty()) {
                    d.engine().awaitIdle(Duration.ofMillis(200));
                    remaining.retainAll(d.getSubmittedOrRunning(new ArrayList<>(remaining)));
                    printFinished(grouped, counter, progress);
                    progress.update(counter.done.get(), counter.failed.get(), d.engine().runningCount(), d.engine().queuedCount());
                    java.util.Optional<String> supplanted = d.engine().supplanted();
                    if (supplanted.isPresent()) {
                        progress.close();
                        d.engine().detach(); // what runs is the other host's now: it reattaches to it
                        detached = true;
                        err.println("multiproc: error: " + supplanted.get());
                        err.flush();
                        return 2;
                    }
                    Interrupts.Choice choice = interrupts.poll(progress, err);
                    if (choice == Interrupts.Choice.LEAVE) {
                        printFinished(grouped, counter, progress);
                        progress.close();
                        int running = d.engine().runningCount();
                        d.engine().leave(true, StatusLeftByHost.forJournal(common));
                        detached = true;
                        err.println("multiproc: left " + running + " running tasks running; run the same command again to resume "
                                + "(they are reattached, and what did not run yet runs)");
                        err.flush();
                        return 130;
                    }
                    if (choice == Interrupts.Choice.KILL) {
                        progress.close();
                        err.println("multiproc: terminating the running tasks...");
                        err.flush();
                        d.stop();
                        printFinished(grouped, counter, progress);
                        summary(out, d, run, runName, t0);
                        return 130;
                    }
                }
                printFinished(grouped, counter, progress);
                d.engine().awaitIdle(Duration.ofDays(365)); // tasks an earlier host left, of other runs, finish too
                dev.multiproc.trace.StartupTrace.mark("tasks ran");
            } finally {
                progress.close();
            }
            return summary(out, d, run, runName, t0);
        } finally {
            interrupts.uninstall();
            if (socket != null) {
                socket.close();
            }
            if (!detached) {
                d.engine().leave(false, StatusLeftByHost.forJournal(common));
            }
        }
    }

    private static void reportRecovery(PrintWriter err, RecoveryCounts c) {
        if (c == null || c.total() == 0) {
            return;
        }
        err.printf(Locale.ROOT, "multiproc: recovered from an earlier host: %d reattached, %d finished meanwhile, %d lost, %d queued again"
                + "%s (%d ms)%n", c.reattached(), c.finishedWhileDown(), c.lost(), c.requeued(),
                c.killed() > 0 ? ", " + c.killed() + " killed" : "", c.recoveryMs());
        err.flush();
    }

    /** The run's outcome, from the journal: every command's latest task. */
    private int summary(PrintWriter out, MultiprocessDistributor d, RunStart run, String runName, long t0) throws Exception {
        d.engine().flushJournal();
        RunSummary s = d.engine().journal().runSummary(run.runId(), 20);
        double seconds = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "run %s: %d %s: %d done, %d failed, %d not finished, in %.1fs (journal %s)%n", runName, s.commands(),
                s.commands() == 1 ? "command" : "commands", s.done(), s.failed(), s.commands() - s.done() - s.failed(), seconds,
                d.engine().settings().journalDir().toAbsolutePath().normalize());
        FailureTable.print(out, s, d.engine().journal().taskLogs(s.failures().stream().map(RunSummary.Failure::taskId).toList()), runName);
        out.flush();
        return (int) Math.min(s.failed(), MAX_EXIT);
    }

    private static void printFinished(GroupedOutput grouped, Counter counter, Progress progress) {
        if (grouped != null) {
            grouped.print(counter.takeFinished(), progress);
        }
    }

    /**
     * Counts the ends of the tasks this run waits for, also of those that ended before it knew their ids; and, when
     * asked to, keeps their ids in the order they ended until they are taken.
     */
    static final class Counter {
        final AtomicInteger done = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        private final Set<String> mine = new HashSet<>();
        private final Map<String, Boolean> early = new java.util.LinkedHashMap<>();
        private final List<String> finished;
        private boolean watching;

        Counter(boolean keepFinished) {
            this.finished = keepFinished ? new ArrayList<>() : null;
        }

        /** The tasks of this run that ended since the last call, in the order they ended; empty unless kept. */
        synchronized List<String> takeFinished() {
            if (finished == null || finished.isEmpty()) {
                return List.of();
            }
            List<String> taken = new ArrayList<>(finished);
            finished.clear();
            return taken;
        }

        private void count(String id, boolean ok) {
            (ok ? done : failed).incrementAndGet();
            if (finished != null) {
                finished.add(id);
            }
        }

        synchronized void watch(List<String> ids) {
            watching = true;
            Set<String> waited = new HashSet<>(ids);
            early.forEach((id, ok) -> {
                if (waited.contains(id)) {
                    count(id, ok);
                }
            });
            for (String id : ids) {
                if (!early.containsKey(id)) {
                    mine.add(id);
                }
            }
            early.clear(); // ends of tasks of other runs, recovered from an earlier host
        }

        synchronized void ended(String id, Outcome outcome) {
            boolean ok = outcome.state() == dev.multiproc.core.TaskState.DONE;
            if (mine.remove(id)) {
                count(id, ok);
            } else if (!watching) {
                early.put(id, ok); // the run's ids are not known yet
            }
        }
    }
}
