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
                        + "Ctrl-C kills. Exits with the number of failed commands (at most 101)."},
        footer = {"", "Examples:", "  multiproc run -j 4 src/examples/hello.txt",
                "  multiproc run --retry-failed src/examples/hello.txt",
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

    @Override
    public Integer call() throws Exception {
        common.init();
        if (jobs != null && jobs < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "-j must be at least 1, got " + jobs);
        }
        List<String> commands = CommandFile.read(file, System.in);
        HostMemory.bound();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
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
        try {
            Counter counter = new Counter();
            d.engine().addEndListener(counter::ended);
            d.start();
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
            Set<String> remaining = new HashSet<>(run.waitFor());
            try {
                while (!remaining.isEmpty()) {
                    d.engine().awaitIdle(Duration.ofMillis(200));
                    remaining.retainAll(d.getSubmittedOrRunning(new ArrayList<>(remaining)));
                    progress.update(counter.done.get(), counter.failed.get(), d.engine().runningCount(), d.engine().queuedCount());
                    Interrupts.Choice choice = interrupts.poll(progress, err);
                    if (choice == Interrupts.Choice.LEAVE) {
                        progress.close();
                        int running = d.engine().runningCount();
                        d.engine().detach();
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
                        summary(out, d, run, runName, t0);
                        return 130;
                    }
                }
                d.engine().awaitIdle(Duration.ofDays(365)); // tasks an earlier host left, of other runs, finish too
                dev.multiproc.trace.StartupTrace.mark("tasks ran");
            } finally {
                progress.close();
            }
            return summary(out, d, run, runName, t0);
        } finally {
            interrupts.uninstall();
            if (!detached) {
                d.close();
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
        out.printf(Locale.ROOT, "run %s: %d commands: %d done, %d failed, %d not finished, in %.1fs (journal %s)%n", runName, s.commands(),
                s.done(), s.failed(), s.commands() - s.done() - s.failed(), seconds, d.engine().settings().journalDir().toAbsolutePath().normalize());
        for (RunSummary.Failure f : s.failures()) {
            out.printf("  line %d (task %s) %s: %s%n", f.lineNo(), f.taskId(), f.state().toLowerCase(Locale.ROOT), f.message());
        }
        if (s.failed() > s.failures().size()) {
            out.println("  ... and " + (s.failed() - s.failures().size()) + " more: multiproc history --run " + runName
                    + " --state failed,lost,error,terminated");
        }
        out.flush();
        return (int) Math.min(s.failed(), MAX_EXIT);
    }

    /** Counts the ends of the tasks this run waits for, also of those that ended before it knew their ids. */
    static final class Counter {
        final AtomicInteger done = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        private final Set<String> mine = new HashSet<>();
        private final Map<String, Boolean> early = new java.util.HashMap<>();
        private boolean watching;

        synchronized void watch(List<String> ids) {
            watching = true;
            for (String id : ids) {
                Boolean ok = early.remove(id);
                if (ok == null) {
                    mine.add(id);
                } else {
                    (ok ? done : failed).incrementAndGet();
                }
            }
            early.clear(); // ends of tasks of other runs, recovered from an earlier host
        }

        synchronized void ended(String id, Outcome outcome) {
            boolean ok = outcome.state() == dev.multiproc.core.TaskState.DONE;
            if (mine.remove(id)) {
                (ok ? done : failed).incrementAndGet();
            } else if (!watching) {
                early.put(id, ok); // the run's ids are not known yet
            }
        }
    }
}
