package dev.multiproc.cli;

import dev.multiproc.journal.H2Settings;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code multiproc run} in its plain forms without picocli, as {@link StatusFastPath} does for {@code status}: picocli's
 * model of the run command cost a run of one line 59 ms (627 against 686, medians of 16 interleaved runs). A
 * {@code run FILE} with any of
 * {@code -j N}/{@code --jobs N}, {@code --cluster}, {@code --name}, {@code --retry-failed}, {@code --no-progress},
 * {@code --output}, {@code --journal}, {@code --config} and {@code -v}, each at most once, in the forms
 * {@link PlainCommandLine} takes, with N a whole number from 1, is run here; any other goes to picocli.
 * {@code RunFastPathTest} checks both paths run the same.
 */
final class RunFastPath {
    private static final Map<String, String> FLAGS = Map.of("--retry-failed", "--retry-failed", "--no-progress", "--no-progress",
            "--output", "--output");
    private static final Map<String, String> VALUED;

    static {
        Map<String, String> valued = new HashMap<>(StatusFastPath.COMMON_VALUED);
        valued.put("-j", "--jobs");
        valued.put("--jobs", "--jobs");
        valued.put("--cluster", "--cluster");
        valued.put("--name", "--name");
        VALUED = Map.copyOf(valued);
    }

    private RunFastPath() {
    }

    /** The exit status of {@code args} run here; empty when picocli must answer them. */
    static Optional<Integer> run(String[] args) {
        Optional<RunCommand> command = parse(args);
        if (command.isEmpty()) {
            return Optional.empty();
        }
        H2Settings.bindServersToLoopback(); // as Main.execute does before any command
        return Optional.of(run(command.get(), StatusFastPath.writer(System.out, "sun.stdout.encoding"),
                StatusFastPath.writer(System.err, "sun.stderr.encoding")));
    }

    static int run(RunCommand command, PrintWriter out, PrintWriter err) {
        return StatusFastPath.answer(command::run, out, err);
    }

    /** The command {@code args} ask for, when they are a plain form of {@code run}. */
    static Optional<RunCommand> parse(String[] args) {
        Optional<PlainCommandLine> plain = PlainCommandLine.parse(args, "run", FLAGS, VALUED, 1);
        if (plain.isEmpty()) {
            return Optional.empty();
        }
        PlainCommandLine line = plain.get();
        RunCommand run = new RunCommand();
        run.common = StatusFastPath.common(line);
        run.file = line.operands().get(0);
        run.cluster = line.option("--cluster").orElse(null);
        run.name = line.option("--name").orElse(null);
        run.retryFailed = line.has("--retry-failed");
        run.noProgress = line.has("--no-progress");
        run.output = line.has("--output");
        Optional<String> jobs = line.option("--jobs");
        if (jobs.isPresent()) {
            if (!jobs.get().matches("[0-9]{1,9}") || Integer.parseInt(jobs.get()) < 1) {
                return Optional.empty(); // picocli says what is wrong with it
            }
            run.jobs = Integer.parseInt(jobs.get());
        }
        return Optional.of(run);
    }
}
