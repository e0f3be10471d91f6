package dev.multiproc.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A {@link CrashHost} in a second JVM, started with the test classpath; killed with SIGKILL by the test. */
public final class HostProcess implements AutoCloseable {
    private final Process process;
    private final PrintStream in;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private HostProcess(Process process) {
        this.process = process;
        this.in = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the host was killed
            }
            lines.add("EOF");
        }, "host-output");
        reader.setDaemon(true);
        reader.start();
    }

    public static HostProcess start(Path journalDir, int parallelism, String... extra) throws Exception {
        return startWithClassPath(System.getProperty("java.class.path"), journalDir, parallelism, extra);
    }

    /** A host whose JVM has {@code classPath}: the test class path with another H2, say. */
    public static HostProcess startWithClassPath(String classPath, Path journalDir, int parallelism, String... extra) throws Exception {
        return start(classPath, null, journalDir, parallelism, extra);
    }

    /** A host that finds the programs it runs by name (sbatch...) in {@code binDir} first. */
    public static HostProcess startWithPathFirst(Path binDir, Path journalDir, int parallelism, String... extra) throws Exception {
        return start(System.getProperty("java.class.path"), binDir, journalDir, parallelism, extra);
    }

    private static HostProcess start(String classPath, Path binDir, Path journalDir, int parallelism, String... extra) throws Exception {
        List<String> cmd = Jvm.command("-cp", classPath, "-Xmx256m", CrashHost.class.getName(), journalDir.toString(),
                Integer.toString(parallelism));
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(
                journalDir.resolveSibling(journalDir.getFileName() + "-host.log").toFile()));
        pb.environment().putAll(Hosts.hostEnvironment(journalDir));
        if (binDir != null) {
            pb.environment().put("PATH", binDir + java.io.File.pathSeparator + pb.environment().getOrDefault("PATH", ""));
        }
        HostProcess host = new HostProcess(pb.start());
        host.expect("READY");
        return host;
    }

    public void send(String command) {
        in.println(command);
    }

    /** The next line of output; fails after 60 s or when the host died. */
    public String next() throws InterruptedException {
        String line = lines.poll(60, TimeUnit.SECONDS);
        if (line == null || line.equals("EOF")) {
            throw new AssertionError("the host ended or stalled (its stderr is in the journal's -host.log)");
        }
        if (line.startsWith("ERROR")) {
            throw new AssertionError(line);
        }
        return line;
    }

    /** The next line, or null when none arrives within {@code millis}. */
    public String poll(long millis) throws InterruptedException {
        String line = lines.poll(millis, TimeUnit.MILLISECONDS);
        return line == null || line.equals("EOF") ? null : line;
    }

    public void expect(String line) throws InterruptedException {
        String got = next();
        if (!got.equals(line)) {
            throw new AssertionError("expected " + line + " from the host, got " + got);
        }
    }

    /** ACK ID... → the ids. */
    public List<String> ack() throws InterruptedException {
        String line = next();
        if (!line.startsWith("ACK ")) {
            throw new AssertionError("expected ACK, got " + line);
        }
        return List.of(line.substring(4).split(" "));
    }

    /** SIGKILL: the JVM dies at once, without shutdown hooks or finally blocks. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** Whether the host's JVM ended within {@code seconds} (killed by what it ran, say). */
    public boolean awaitExit(long seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS);
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
