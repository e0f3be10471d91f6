package dev.multiproc.cli;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.core.Outcome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code multiproc run FILE}: one shell command per line, journaled, with bounded parallelism. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs one shell command per line of FILE (or - for standard input) through /bin/sh, at most -j at a time.",
                "Blank lines and lines starting with # are skipped. Exits with the number of failed commands (at most 101)."},
        footer = {"", "Example:", "  multiproc run -j 4 src/examples/hello.txt"})
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

    @Option(names = "--name", paramLabel = "NAME", description = "Name of the tasks (default: the file's name).")
    String name;

    @Override
    public Integer call() throws Exception {
        common.init();
        if (jobs != null && jobs < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "-j must be at least 1, got " + jobs);
        }
        List<String> commands = readCommands();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (commands.isEmpty()) {
            err.println("multiproc: " + describeSource() + " holds no commands");
            return 0;
        }
        MultiprocessDistributor.Builder builder = common.builder();
        if (jobs != null) {
            builder.parallelism(jobs);
        }
        long t0 = System.nanoTime();
        try (MultiprocessDistributor d = builder.build()) {
            AtomicInteger done = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            Set<String> mine = java.util.concurrent.ConcurrentHashMap.newKeySet();
            d.engine().addEndListener((id, outcome) -> {
                if (!mine.contains(id)) {
                    return;
                }
                if (Outcome.DONE.equals(outcome.state())) {
                    done.incrementAndGet();
                } else {
                    failed.incrementAndGet();
                    if (failures.size() < 20) {
                        failures.add(id + ": " + outcome.message());
                    }
                }
            });
            d.start();
            String taskName = name != null ? name : file.equals("-") ? "stdin" : Path.of(file).getFileName().toString();
            List<String> ids = d.engine().submitAll(commands, taskName, Map.of());
            mine.addAll(ids);
            Progress progress = new Progress(err, ids.size());
            Set<String> remaining = new HashSet<>(ids);
            while (!remaining.isEmpty()) {
                d.engine().awaitIdle(Duration.ofMillis(500));
                remaining.retainAll(d.getSubmittedOrRunning(new ArrayList<>(remaining)));
                progress.report(done.get(), failed.get(), d.engine().runningCount(), d.engine().queuedCount(), remaining.isEmpty());
            }
            d.engine().awaitIdle(Duration.ofDays(365)); // tasks recovered from an earlier host finish too
            double seconds = (System.nanoTime() - t0) / 1e9;
            out.printf(Locale.ROOT, "%d tasks: %d done, %d failed in %.1fs (journal: %s)%n", ids.size(), done.get(), failed.get(),
                    seconds, d.engine().journal().directory().root());
            for (String f : failures) {
                out.println("  failed " + f);
            }
            if (failed.get() > failures.size()) {
                out.println("  ... and " + (failed.get() - failures.size()) + " more");
            }
            out.flush();
            return Math.min(failed.get(), MAX_EXIT);
        }
    }

    private String describeSource() {
        return file.equals("-") ? "standard input" : file;
    }

    private List<String> readCommands() throws IOException {
        List<String> commands = new ArrayList<>();
        try (BufferedReader r = file.equals("-") ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                String t = line.strip();
                if (!t.isEmpty() && !t.startsWith("#")) {
                    commands.add(line);
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("no such file: " + file);
        }
        return commands;
    }

    /** Progress lines on stderr, at most one every two seconds. */
    static final class Progress {
        private final PrintWriter err;
        private final int total;
        private final long started = System.nanoTime();
        private long lastReport;

        Progress(PrintWriter err, int total) {
            this.err = err;
            this.total = total;
        }

        void report(int done, int failed, int running, int queued, boolean last) {
            long now = System.nanoTime();
            if (!last && now - lastReport < 2_000_000_000L) {
                return;
            }
            lastReport = now;
            double elapsed = (now - started) / 1e9;
            int finished = done + failed;
            double rate = elapsed > 0 ? finished / elapsed : 0;
            String eta = rate > 0 && finished < total ? String.format(Locale.ROOT, ", eta %.0fs", (total - finished) / rate) : "";
            err.printf(Locale.ROOT, "multiproc: %d/%d finished (%d done, %d failed), %d running, %d queued, %.1f/s%s%n", finished, total,
                    done, failed, running, queued, rate, eta);
            err.flush();
        }
    }
}
