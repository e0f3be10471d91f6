package dev.multiproc.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The hold of one host process on a journal directory. Only the holder runs tasks and writes the
 * journal; a second host gets a clear error naming the holder. The operating system releases the
 * lock when the holder dies, however it dies. The lock file names the holder on its first line and says
 * on its second whether it serves the journal to other processes ({@code journal_server: true}).
 */
public final class HostLock implements AutoCloseable {
    /*
     * POSIX drops every lock a process holds on a file when the process closes any descriptor of that
     * file, so this process must never open the lock file of a journal it holds.
     */
    private static final Map<Path, String> HELD_HERE = new ConcurrentHashMap<>();
    /** Readers probe the lock (see {@link #isHeld}) for microseconds: a host that meets a probe tries again within this. */
    private static final long PROBE_WINDOW_MS = 250;
    private static final String SERVER_LINE = "journal_server: ";
    private static final Pattern HOST_PID = Pattern.compile("^host pid (\\d+) ");

    private final Path root;
    private final FileChannel channel;
    private final FileLock lock;

    private HostLock(Path root, FileChannel channel, FileLock lock) {
        this.root = root;
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the journal for a host that does not serve it to other processes. */
    public static HostLock acquire(JournalDirectory dir) {
        return acquire(dir, false);
    }

    /** Takes the journal; {@code serving}: this host will start a journal server once the journal is open. */
    public static HostLock acquire(JournalDirectory dir, boolean serving) {
        Path file = dir.lockFile();
        String me = "host pid " + ProcessHandle.current().pid() + " on " + SessionRow.machineName() + " since " + Instant.now();
        if (HELD_HERE.putIfAbsent(dir.root(), me + "\n" + SERVER_LINE + serving) != null) {
            throw new JournalHeldException(dir.root(), "this process (pid " + ProcessHandle.current().pid() + ")");
        }
        FileChannel channel = null;
        try {
            JournalDirectory.createPrivateFile(file);
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = tryLock(channel);
            if (lock == null) {
                channel.close();
                String holder = firstLine(Files.readString(file, StandardCharsets.UTF_8));
                throw new JournalHeldException(dir.root(), holder.isEmpty() ? "an unknown process" : holder);
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((me + "\n" + SERVER_LINE + serving + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            return new HostLock(dir.root(), channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            HELD_HERE.remove(dir.root());
            throw new JournalException("cannot lock journal directory " + dir.root() + ": " + e, e);
        } catch (RuntimeException e) {
            HELD_HERE.remove(dir.root());
            throw e;
        }
    }

    /** The lock, unless another process holds it; a reader's probe holds it for microseconds, so try a while. */
    private static FileLock tryLock(FileChannel channel) throws IOException {
        long deadline = System.nanoTime() + PROBE_WINDOW_MS * 1_000_000;
        while (true) {
            try {
                FileLock lock = channel.tryLock();
                if (lock != null || System.nanoTime() > deadline) {
                    return lock;
                }
            } catch (OverlappingFileLockException e) {
                return null;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    /** The live host that holds the journal, as its lock file describes it; empty when none does. */
    public static Optional<Holder> holder(JournalDirectory dir) {
        String here = HELD_HERE.get(dir.root());
        String text = here;
        if (here == null) {
            if (!isHeld(dir)) {
                return Optional.empty();
            }
            text = readHolder(dir.lockFile());
        }
        return Optional.of(Holder.parse(text));
    }

    /** The lock file's text; a host writes it just after it took the lock, so an empty file is read again a few times. */
    private static String readHolder(Path file) {
        String text = "";
        for (int tries = 0; tries < 10 && text.isBlank(); tries++) {
            try {
                if (tries > 0) {
                    Thread.sleep(20);
                }
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return text;
            }
        }
        return text;
    }

    /** Whether some live process holds the journal (without taking it). */
    public static boolean isHeld(JournalDirectory dir) {
        Path file = dir.lockFile();
        if (HELD_HERE.containsKey(dir.root())) {
            return true;
        }
        if (!Files.exists(file)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        } catch (IOException e) {
            throw new JournalException("cannot check the lock of " + dir.root() + ": " + e, e);
        }
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return (nl >= 0 ? text.substring(0, nl) : text).trim();
    }

    @Override
    public void close() {
        try {
            channel.truncate(0);
            lock.release();
        } catch (IOException ignored) {
            // the channel closes below; the lock goes with it
        }
        closeQuietly(channel);
        HELD_HERE.remove(root);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing more to release
            }
        }
    }

    /**
     * Who holds a journal: {@code description} ("host pid N on HOST since TIME"), its pid when the lock
     * file names one, and whether it serves the journal (empty when the lock file does not say: a host
     * that is still writing it, or one of an older multiproc).
     */
    public record Holder(String description, Optional<Long> pid, Optional<Boolean> serving) {
        static Holder parse(String lockFileText) {
            String first = firstLine(lockFileText);
            Matcher m = HOST_PID.matcher(first);
            Optional<Long> pid = m.find() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
            Optional<Boolean> serving = Optional.empty();
            for (String line : lockFileText.split("\n")) {
                if (line.startsWith(SERVER_LINE)) {
                    serving = Optional.of(Boolean.parseBoolean(line.substring(SERVER_LINE.length()).trim()));
                }
            }
            return new Holder(first.isEmpty() ? "a host" : first, pid, serving);
        }
    }

    /** Another live host holds the journal. */
    public static final class JournalHeldException extends JournalException {
        private static final long serialVersionUID = 1L;

        JournalHeldException(Path dir, String holder) {
            super("journal " + dir + " is held by another host: " + holder);
        }
    }
}
