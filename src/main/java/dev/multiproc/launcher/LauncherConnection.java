package dev.multiproc.launcher;

import dev.multiproc.proc.ProcessIdentity;

import dev.multiproc.launcher.Launcher.LauncherException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A host's connection to a launcher that outlived its own host (found with {@link Launcher#findSurvivors}),
 * through the launcher's Unix domain socket; the protocol is in {@code mpagent.h}.
 *
 * <p>{@link #attach} reads the launcher's snapshot and hands it to the listener on the calling thread
 * before it returns: {@link Launcher.Events#reattached} for each task it still supervises (also kept as
 * {@link #snapshot()}), then {@link Launcher.Events#exited} for each task that ended since its host left.
 * From then on the launcher's live events arrive as from a {@link Launcher}, on a reader thread. The
 * launcher starts nothing for a reattached host: new work goes to a launcher of the host's own. When the
 * last task has ended, the launcher exits and the connection ends ({@link #awaitEnd}).
 */
public final class LauncherConnection implements LauncherLink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LauncherConnection.class);
    private static final Duration SNAPSHOT_TIMEOUT = Duration.ofSeconds(10);

    /** A task the launcher supervised when the connection was made; state as in {@link Launcher.Events#reattached}. */
    public record SupervisedTask(String key, long pid, long startTicks, String state) {
    }

    private final SocketChannel channel;
    private final Path socket;
    private final Handshake handshake;
    private final List<SupervisedTask> snapshot;
    private final Thread reader;
    private volatile boolean closing;

    private LauncherConnection(SocketChannel channel, Path socket, Handshake handshake, List<SupervisedTask> snapshot,
            ChannelLines lines, Launcher.Events listener) {
        this.channel = channel;
        this.socket = socket;
        this.handshake = handshake;
        this.snapshot = List.copyOf(snapshot);
        Set<String> unfinished = new HashSet<>();
        snapshot.forEach(t -> unfinished.add(t.key()));
        this.reader = new Thread(() -> readEvents(lines, listener, unfinished), "multiproc-reattached-launcher-events");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /**
     * Connects to the launcher listening at {@code socket} and delivers its snapshot (see the class
     * comment). Fails with a message naming the socket when nothing listens there, the launcher refuses
     * (its host is still connected, another host is attached, or the caller is not its owner), or it
     * speaks another protocol version.
     */
    public static LauncherConnection attach(Path socket, Launcher.Events listener) throws LauncherException {
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw new LauncherException("cannot open a Unix domain socket: " + e.getMessage(), TransientErrors.isTransient(e));
        }
        String who = "the launcher at " + socket;
        Object lock = new Object();
        boolean[] done = { false };
        // a launcher that stalls before its snapshot is complete must not hold the caller: the channel closes under the read
        CompletableFuture.runAsync(() -> {
            synchronized (lock) {
                if (!done[0]) {
                    closeQuietly(channel);
                }
            }
        }, CompletableFuture.delayedExecutor(SNAPSHOT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            ChannelLines lines = new ChannelLines(channel);
            Handshake handshake = Handshake.parse(firstLine(lines, who), who);
            List<SupervisedTask> tasks = readSnapshot(lines, who, listener);
            synchronized (lock) {
                if (!channel.isOpen()) {
                    throw new IOException("no complete snapshot within " + SNAPSHOT_TIMEOUT.toSeconds() + " s");
                }
                done[0] = true;
            }
            return new LauncherConnection(channel, socket, handshake, tasks, lines, listener);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            boolean timedOut;
            synchronized (lock) {
                timedOut = !done[0] && !channel.isOpen();
                done[0] = true;
            }
            throw new LauncherException("cannot attach to " + who + ": "
                    + (timedOut ? "no complete snapshot within " + SNAPSHOT_TIMEOUT.toSeconds() + " s" : String.valueOf(e.getMessage())),
                    e instanceof IOException io && TransientErrors.isTransient(io));
        } catch (LauncherException e) {
            closeQuietly(channel);
            synchronized (lock) {
                done[0] = true;
            }
            throw e;
        }
    }

    private static String firstLine(ChannelLines lines, String who) throws IOException, LauncherException {
        String line = lines.readLine();
        if (line == null) {
            throw new LauncherException(who + " closed the connection without a word");
        }
        if (line.startsWith("R ")) {
            String[] f = line.split(" ", 3);
            throw new LauncherException(who + " refused the connection: " + (f.length > 2 ? f[2] : line));
        }
        return line;
    }

    private static List<SupervisedTask> readSnapshot(ChannelLines lines, String who, Launcher.Events listener)
            throws IOException, LauncherException {
        List<SupervisedTask> tasks = new ArrayList<>();
        int ended = 0;
        while (true) {
            String line = lines.readLine();
            if (line == null) {
                throw new LauncherException(who + " closed the connection before its snapshot was complete");
            }
            String[] f = line.split(" ");
            switch (f[0]) {
                case "T" -> {
                    SupervisedTask t = new SupervisedTask(f[1], Long.parseLong(f[2]), Long.parseLong(f[3]), f[4]);
                    tasks.add(t);
                    listener.reattached(t.key(), t.pid(), t.startTicks(), t.state());
                }
                case "Z" -> {
                    if (Integer.parseInt(f[1]) != tasks.size() || Integer.parseInt(f[2]) != ended) {
                        throw new LauncherException(who + " sent a snapshot of " + tasks.size() + " tasks and " + ended
                                + " ends that says it holds " + f[1] + " and " + f[2]);
                    }
                    return tasks;
                }
                default -> {
                    if (EventLines.dispatch(line, listener) != null && f[0].equals("X")) {
                        ended++;
                    }
                }
            }
        }
    }

    public Handshake handshake() {
        return handshake;
    }

    /** The tasks the launcher supervised when the connection was made. */
    public List<SupervisedTask> snapshot() {
        return snapshot;
    }

    /** Terminates one of the launcher's tasks: SIGTERM to its process group and session, SIGKILL after its grace. */
    @Override
    public void kill(String key) throws IOException {
        write(Requests.of("op", "kill", "key", key));
    }

    /** Terminates the process group of a task another launcher started, if the pid still names that process. */
    public void killOther(ProcessIdentity task, Duration grace) throws IOException {
        write(Requests.of("op", "killpid", "pid", Long.toString(task.pid()), "start", Long.toString(task.startTicks()),
                "grace_ms", Long.toString(grace.toMillis())));
    }

    /** How often the launcher measures the memory of its tasks (the next measurement is one period from now). */
    public void samplePeriod(Duration period) throws IOException {
        write(Requests.of("op", "sample", "sample_ms", Long.toString(Math.max(1, period.toMillis()))));
    }

    /** Sends one request; blocks only while the launcher's socket buffer is full (it reads it in every turn of its loop). */
    synchronized void write(byte[] request) throws IOException {
        if (closing) {
            throw new IOException("the connection to the launcher at " + socket + " is closed");
        }
        ByteBuffer b = ByteBuffer.wrap(request);
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /** Whether the launcher still talks to us. */
    public boolean isOpen() {
        return reader.isAlive();
    }

    @Override
    public boolean isAlive() {
        return isOpen() && !closing;
    }

    @Override
    public long clockTicksPerSecond() {
        return handshake.clockTicksPerSecond();
    }

    /** Waits until the launcher ends the connection (it exits after its last task); false on timeout. */
    public boolean awaitEnd(Duration timeout) throws InterruptedException {
        reader.join(Math.max(1, timeout.toMillis()));
        return !reader.isAlive();
    }

    private void readEvents(ChannelLines lines, Launcher.Events listener, Set<String> unfinished) {
        String reason = "it closed the connection";
        try {
            String line;
            while ((line = lines.readLine()) != null) {
                try {
                    String key = EventLines.dispatch(line, listener);
                    if (key != null && !line.startsWith("S ")) {
                        unfinished.remove(key);
                    }
                } catch (RuntimeException e) {
                    log.error("failed to handle launcher event '{}'", line, e);
                }
            }
        } catch (IOException e) {
            reason = e.toString();
        }
        closeQuietly(channel);
        if (!closing && !unfinished.isEmpty()) {
            listener.gone("the connection to the launcher at " + socket + " ended (" + reason + ") before " + unfinished.size()
                    + " of its tasks ended; attach again to learn more");
        }
    }

    /** Disconnects; the launcher goes on supervising its tasks and waits for the next host. */
    @Override
    public void close() {
        closing = true;
        closeQuietly(channel);
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closing: nothing to do about it
        }
    }
}
