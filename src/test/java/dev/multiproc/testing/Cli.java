package dev.multiproc.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The command line as a user runs it: a separate JVM, in a working directory, with the project's classpath. */
public final class Cli {
    private Cli() {
    }

    public record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** Runs {@code multiproc ARGS} in {@code dir} to its end (at most two minutes). */
    public static Result run(Path dir, String... args) throws IOException, InterruptedException {
        return runWithInput(dir, null, args);
    }

    public static Result runWithInput(Path dir, String stdin, String... args) throws IOException, InterruptedException {
        return finish(dir, start(dir, args), stdin, args);
    }

    /** As {@link #run}, for a command that may take longer than two minutes on a loaded machine (a bench). */
    public static Result runWithin(java.time.Duration limit, Path dir, String... args) throws IOException, InterruptedException {
        return finish(dir, start(dir, args), null, limit, args);
    }

    /** As {@link #run}, with {@code environment} added to the command's ({@code SLURM_CONF}...). */
    public static Result runWith(Map<String, String> environment, Path dir, String... args) throws IOException, InterruptedException {
        return finish(dir, startWith(environment, dir, args), null, args);
    }

    /** {@code multiproc status --json -v} in {@code dir} (the journal read the usual way), or "" when it could not run: for awaits. */
    public static String statusJson(Path dir) {
        try {
            return run(dir, "status", "--json", "-v").out();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** As {@link #start(Path, String...)}, with {@code environment} added to the command's. */
    public static Process startWith(Map<String, String> environment, Path dir, String... args) throws IOException {
        return start(Jvm.command(), environment, dir, args);
    }

    private static Result finish(Path dir, Process p, String stdin, String... args) throws IOException, InterruptedException {
        return finish(dir, p, stdin, java.time.Duration.ofMinutes(2), args);
    }

    private static Result finish(Path dir, Process p, String stdin, java.time.Duration limit, String... args)
            throws IOException, InterruptedException {
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("multiproc " + String.join(" ", args) + " did not end within " + limit);
        }
        return new Result(p.exitValue(), Files.readString(dir.resolve(".out-" + p.pid())), Files.readString(errFile(dir, p)));
    }

    /** Starts {@code multiproc ARGS} in {@code dir}; its output goes to {@code .out-PID} and {@code .err-PID} there. */
    public static Process start(Path dir, String... args) throws IOException {
        return start(Jvm.command(), Map.of(), dir, args);
    }

    /** As {@link #start(Path, String...)}, in a JVM with the JVM's own defaults (see {@link Jvm}). */
    public static Process startWithJvmDefaults(Path dir, String... args) throws IOException {
        return start(Jvm.withDefaults(), Map.of(), dir, args);
    }

    private static Process start(List<String> java, Map<String, String> environment, Path dir, String... args) throws IOException {
        // SIGINT at its default disposition, whatever the test JVM inherited: a test run started in the background of a
        // non-interactive shell (`mvn test &`) has SIGINT ignored, a child JVM inherits that and then never installs its
        // handler, and the tests that press Ctrl-C would see nothing happen (env execs java: the pid is java's)
        List<String> cmd = new ArrayList<>(List.of("env", "--default-signal=INT"));
        cmd.addAll(java);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "-Xmx256m", "dev.multiproc.cli.Main"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, ".out-tmp", "");
        Path err = Files.createTempFile(dir, ".err-tmp", "");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(environment);
        Process p = pb.start();
        Files.move(out, dir.resolve(".out-" + p.pid()));
        Files.move(err, errFile(dir, p));
        return p;
    }

    public static String out(Path dir, Process p) throws IOException {
        return Files.readString(dir.resolve(".out-" + p.pid()));
    }

    /** Where the standard error of {@code p}, started by {@link #start}, goes. */
    public static Path errFile(Path dir, Process p) {
        return dir.resolve(".err-" + p.pid());
    }

    public static String err(Path dir, Process p) throws IOException {
        return Files.readString(errFile(dir, p));
    }
}
