package dev.multiproc.launcher;

import dev.multiproc.proc.ProcessIdentity;
import dev.multiproc.state.TaskRecord;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's end of one {@code mpagent launcher}: requests go down its stdin, start and exit events
 * come back on its stdout and are handed to {@link Events} on one reader thread.
 *
 * <p>One small C process starts (vfork, exec) and supervises every task, so no task pays for a fork
 * of the JVM or for the JDK's spawn helper, and the host needs no thread per task to wait for exits.
 * The launcher keeps its own short queue and starts the next task the moment a slot frees, without a
 * round trip to the host. It outlives the host: see {@code mpagent.h}. A later host finds such a
 * survivor with {@link #findSurvivors} and reattaches to it with {@link LauncherConnection#attach}.
 */
public final class Launcher implements LauncherLink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Launcher.class);

    /** Receives the launcher's events, in order, on the launcher's reader thread. */
    public interface Events {
        void started(String key, long pid, long startTicks);

        void exited(String key, long pid, int waitStatus, Optional<TaskRecord> record);

        void failed(String key, int errno, String message);

        /** A task the launcher had queued was dropped before it started (terminated, or claimed by recovery). */
        void dropped(String key);

        /**
         * The launcher ended while the host still used it; or the connection to a reattached launcher ended
         * while tasks it had reported were not finished (it died, or dropped a client that fell behind).
         */
        void gone(String reason);

        /**
         * A task that a surviving launcher still supervises, reported when a host attaches to it (see
         * {@link LauncherConnection#attach}): called on the attaching thread, once per task, before any live
         * event. {@code state} is {@code running}, or why the launcher is ending it ({@code terminated},
         * {@code runtime}, {@code memory}).
         */
        default void reattached(String key, long pid, long startTicks, String state) {
        }
    }

    private static final byte[] END = new byte[0];

    private final Process process;
    private final OutputStream requests;
    /*
     * Requests are written by a thread of their own: whoever sends never blocks on the pipe, so the
     * host never waits on a launcher that has stalled (say, on a file system that hangs).
     */
    private final java.util.concurrent.LinkedBlockingQueue<byte[]> outbox = new java.util.concurrent.LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile IOException broken;
    private final Thread reader;
    private final Handshake handshake;
    private final Path stateDir;
    private volatile boolean closing;

    private Launcher(Process process, Handshake handshake, Path stateDir, BufferedReader events, Events listener) {
        this.process = process;
        this.stateDir = stateDir;
        this.requests = new BufferedOutputStream(process.getOutputStream(), 1 << 16);
        this.handshake = handshake;
        this.reader = new Thread(() -> readEvents(events, listener), "multiproc-launcher-events");
        this.reader.setDaemon(true);
        this.reader.start();
        this.writer = new Thread(this::writeRequests, "multiproc-launcher-requests");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /**
     * Starts a launcher; fails with a message naming the program when it cannot run or speaks another
     * protocol version, and says whether the cause may pass (see {@link LauncherException#isTransient()}).
     */
    public static Launcher start(Path binary, Path stateDir, int slots, Duration samplePeriod, Path logFile,
            Map<String, String> environment, Events listener) throws LauncherException {
        if (!Files.isRegularFile(binary)) {
            throw new LauncherException("the launcher " + binary + " does not exist");
        }
        if (!Files.isExecutable(binary)) {
            throw new LauncherException("the launcher " + binary + " is not executable");
        }
        try {
            if (!Files.exists(logFile)) {
                Files.createFile(logFile, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            }
        } catch (IOException e) {
            throw new LauncherException("cannot create " + logFile + ": " + e.getMessage(), TransientErrors.isTransient(e));
        }
        long logSize = sizeOf(logFile);
        ProcessBuilder pb = new ProcessBuilder(binary.toString(), "launcher", stateDir.toString(), Integer.toString(slots));
        pb.environment().putAll(environment);
        pb.redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new LauncherException("cannot start the launcher " + binary + ": " + e.getMessage(),
                    TransientErrors.isTransient(e));
        }
        BufferedReader events = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8), 1 << 16);
        CompletableFuture<String> hello = CompletableFuture.supplyAsync(() -> {
            try {
                return events.readLine();
            } catch (IOException e) {
                return null;
            }
        });
        String line;
        try {
            line = hello.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            line = null;
        }
        if (line == null || !line.startsWith("H ")) {
            process.destroyForcibly();
            String why = lastLine(logFile, logSize);
            throw new LauncherException("the launcher " + binary + " did not start: " + why,
                    TransientErrors.isTransientText(why));
        }
        Handshake handshake;
        try {
            handshake = Handshake.parse(line, "the launcher " + binary);
        } catch (LauncherException e) {
            process.destroyForcibly();
            throw e;
        }
        Launcher launcher = new Launcher(process, handshake, stateDir, events, listener);
        try {
            launcher.samplePeriod(samplePeriod);
        } catch (IOException e) {
            launcher.close();
            throw new LauncherException("the launcher " + binary + " stopped at once: " + e.getMessage());
        }
        return launcher;
    }

    public long pid() {
        return process.pid();
    }

    /** The unit of the start times it reports ({@code sysconf(_SC_CLK_TCK)}), from its handshake. */
    @Override
    public long clockTicksPerSecond() {
        return handshake.clockTicksPerSecond();
    }

    /** The size of a memory page, in KiB, from its handshake. */
    public long pageKb() {
        return handshake.pageKb();
    }

    /** Where this launcher listens for a later host to reattach, once this one has let go of it ({@link #release()}). */
    public Path socket() {
        return LauncherRegistry.socketOf(stateDir, process.pid());
    }

    /**
     * The launchers that still run for {@code stateDir} (their host gone, or still there), read from their
     * descriptions there; a description whose pid is gone, or now names a process that started at another
     * time, is not one of them.
     */
    public static List<SurvivingLauncher> findSurvivors(Path stateDir) {
        return LauncherRegistry.findSurvivors(stateDir);
    }

    @Override
    public boolean isAlive() {
        return process.isAlive() && !closing;
    }

    /** Sends spawn requests; they start in order, as slots free up. Never blocks. */
    public void send(List<SpawnRequest> batch) throws IOException {
        ensureUsable();
        for (SpawnRequest r : batch) {
            outbox.add(r.encode());
        }
    }

    /** Terminates one of this launcher's tasks: a queued one is dropped, a running one gets SIGTERM, then SIGKILL after its grace. */
    @Override
    public void kill(String key) throws IOException {
        write(Requests.of("op", "kill", "key", key));
    }

    /** Terminates the process group of a task another launcher started, if the pid still names that process. */
    public void killOther(ProcessIdentity task, Duration grace) throws IOException {
        write(Requests.of("op", "killpid", "pid", Long.toString(task.pid()), "start", Long.toString(task.startTicks()),
                "grace_ms", Long.toString(grace.toMillis())));
    }

    /** How often the launcher measures the memory of its tasks; the next measurement is one period from now. */
    public void samplePeriod(Duration period) throws IOException {
        write(Requests.of("op", "sample", "sample_ms", Long.toString(Math.max(1, period.toMillis()))));
    }

    /** How many slots this launcher may fill (the rest are held by tasks it did not start). */
    public void slots(int slots) throws IOException {
        write(Requests.of("op", "slots", "n", Integer.toString(slots)));
    }

    private void write(byte[] request) throws IOException {
        ensureUsable();
        outbox.add(request);
    }

    private void ensureUsable() throws IOException {
        if (broken != null) {
            throw broken;
        }
        if (closing) {
            throw new IOException("the launcher is closed");
        }
    }

    private void writeRequests() {
        try {
            while (true) {
                byte[] next = outbox.take();
                while (next != null) {
                    if (next == END) {
                        requests.close();
                        return;
                    }
                    requests.write(next);
                    next = outbox.poll();
                }
                requests.flush();
            }
        } catch (IOException e) {
            broken = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void readEvents(BufferedReader in, Events listener) {
        String reason = "its output ended";
        try {
            String line;
            while ((line = in.readLine()) != null) {
                try {
                    EventLines.dispatch(line, listener);
                } catch (RuntimeException e) {
                    log.error("failed to handle launcher event '{}'", line, e);
                }
            }
        } catch (IOException e) {
            reason = e.toString();
        }
        if (!closing) {
            listener.gone("the launcher (pid " + process.pid() + ") ended unexpectedly: " + reason + ", " + exitStatus());
        }
    }

    /** How the launcher's process ended, as far as can be told within a second. */
    private String exitStatus() {
        try {
            if (!process.waitFor(1, TimeUnit.SECONDS)) {
                return "its process still runs";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "exit status unknown";
        }
        int code = process.exitValue();
        return code > 128 ? "killed by signal " + (code - 128) : "exit code " + code;
    }

    /** The last line the launcher wrote to its log after {@code from} (earlier launchers wrote what comes before). */
    private static String lastLine(Path logFile, long from) {
        try {
            byte[] all = Files.readAllBytes(logFile);
            int start = (int) Math.min(from, all.length);
            List<String> lines = new String(all, start, all.length - start, StandardCharsets.UTF_8).lines().toList();
            return lines.isEmpty() ? "no message" : lines.get(lines.size() - 1);
        } catch (IOException e) {
            return "no message";
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * Lets go of the launcher without waiting: its input closes, it drops what it had not started, and it
     * supervises what runs to its end on its own, recording every result. From then on a host can attach
     * to it through {@link #socket()} (see {@link LauncherConnection}).
     */
    public void release() {
        closing = true;
        outbox.add(END);
    }

    /** Closes the launcher's input and waits for it to exit (at once, when none of its tasks runs). */
    @Override
    public void close() {
        release();
        try {
            // it exits at once when none of its tasks runs; else after their leftovers are dealt with
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The launcher cannot be started. */
    public static final class LauncherException extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean temporary;

        public LauncherException(String message) {
            this(message, false);
        }

        public LauncherException(String message, boolean temporary) {
            super(message);
            this.temporary = temporary;
        }

        /** The machine is short of something it may get back (see {@link TransientErrors}): worth trying again later. */
        public boolean isTransient() {
            return temporary;
        }
    }
}
