package dev.multiproc.slurm;

import dev.multiproc.proc.ProcStat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one Slurm command: the program from {@code binDir} (or the PATH), the environment of this process plus
 * {@code environment}, standard input given, standard output and error read whole, all within {@code timeout}.
 * A command that overstays is killed with every process it started.
 */
final class CommandRunner {
    /**
     * Variables that change what the query tools print or select ({@code SQUEUE_FORMAT}, {@code SACCT_FORMAT},
     * {@code SQUEUE_PARTITION}...) or make scancel ask questions; the commands here say all they mean.
     */
    private static final List<String> OUTPUT_CHANGING_PREFIXES = List.of("SQUEUE_", "SACCT_", "SCANCEL_");

    record Result(int exitStatus, String stdout, String stderr) {
    }

    private final Path binDir;
    private final Map<String, String> environment;
    private final Duration timeout;

    CommandRunner(Path binDir, Map<String, String> environment, Duration timeout) {
        this.binDir = binDir;
        this.environment = Map.copyOf(environment);
        this.timeout = timeout;
    }

    Duration timeout() {
        return timeout;
    }

    /** The command line for {@code program} with {@code args}: the program from binDir when one is set. */
    List<String> command(String program, List<String> args) {
        List<String> c = new ArrayList<>();
        c.add(binDir == null ? program : binDir.resolve(program).toString());
        c.addAll(args);
        return c;
    }

    /** Runs and returns the output when the command exits 0; anything else is a {@link SlurmCommandException}. */
    String check(List<String> command, String stdin, Map<String, String> extraEnvironment) {
        Result r = run(command, stdin, extraEnvironment);
        if (r.exitStatus() != 0) {
            throw new SlurmCommandException(command, r.exitStatus(), r.stderr(), "failed with exit status " + r.exitStatus(), null);
        }
        return r.stdout();
    }

    /** Runs and returns exit status and output; only a command that cannot start or overstays is an exception. */
    Result run(List<String> command, String stdin, Map<String, String> extraEnvironment) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> OUTPUT_CHANGING_PREFIXES.stream().anyMatch(k::startsWith));
        pb.environment().putAll(environment);
        pb.environment().putAll(extraEnvironment);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new SlurmCommandException(command, null, "", "could not be started (" + e.getMessage() + ")", e);
        }
        Drain out = new Drain(p.getInputStream());
        Drain err = new Drain(p.getErrorStream());
        feed(p.getOutputStream(), stdin);
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                killTree(p);
                throw new SlurmCommandException(command, null, partial(err), "did not finish within " + describe(timeout), null);
            }
            return new Result(p.exitValue(), out.get(10), err.get(10));
        } catch (InterruptedException e) {
            killTree(p);
            Thread.currentThread().interrupt();
            throw new SlurmCommandException(command, null, "", "was interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            // the command exited but a process it left behind still holds its output open
            throw new SlurmCommandException(command, p.exitValue(), err.soFar(), "left its output open after it exited", e);
        }
    }

    /** Standard output or error, read whole on a thread of its own; what came so far is readable before the end. */
    private static final class Drain {
        private final ByteArrayOutputStream read = new ByteArrayOutputStream(); // its methods are synchronized
        private final CompletableFuture<String> whole = new CompletableFuture<>();

        Drain(InputStream in) {
            Thread t = new Thread(() -> {
                byte[] buffer = new byte[8192];
                try (in) {
                    for (int n; (n = in.read(buffer)) >= 0; ) {
                        read.write(buffer, 0, n);
                    }
                    whole.complete(soFar());
                } catch (IOException e) {
                    whole.completeExceptionally(e);
                }
            }, "slurm-command-output");
            t.setDaemon(true);
            t.start();
        }

        String get(long seconds) throws ExecutionException, TimeoutException, InterruptedException {
            return whole.get(seconds, TimeUnit.SECONDS);
        }

        String soFar() {
            return read.toString(StandardCharsets.UTF_8);
        }
    }

    private static void feed(OutputStream in, String text) {
        try (in) {
            if (text != null) {
                in.write(text.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // the command ended without reading all of it: its exit status says why
        }
    }

    /** What the killed command wrote: whole if its end of file comes soon, else what came (a process may hold it open). */
    private static String partial(Drain err) {
        try {
            return err.get(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return err.soFar();
        } catch (ExecutionException | TimeoutException e) {
            return err.soFar();
        }
    }

    private static void killTree(Process p) {
        // While the command lives it may start more, and its orphans are no longer its descendants: its live descendants
        // are killed until none is found (for at most a second), and then it is. This narrows the window; it does not
        // close it: what the command starts between the last look and its own kill escapes, and so does what a
        // descendant starts just before its kill.
        for (int round = 0; round < 100; round++) {
            List<ProcessHandle> live = p.descendants().filter(h -> ProcStat.read(h.pid()).map(ProcStat::isLive).orElse(false)).toList();
            if (live.isEmpty()) {
                break;
            }
            live.forEach(ProcessHandle::destroyForcibly);
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        p.destroyForcibly();
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
