package dev.multiproc.journal;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The claim of one host process on a journal directory. Only the holder runs tasks and writes the
 * journal; a second host gets a clear error naming the holder. The operating system releases the
 * lock when the holder dies, however it dies.
 */
public final class HostLock implements AutoCloseable {
    /*
     * POSIX drops every lock a process holds on a file when the process closes any descriptor of that
     * file, so this process must never open the lock file of a journal it holds.
     */
    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

    private final Path root;
    private final FileChannel channel;
    private final FileLock lock;

    private HostLock(Path root, FileChannel channel, FileLock lock) {
        this.root = root;
        this.channel = channel;
        this.lock = lock;
    }

    public static HostLock acquire(JournalDirectory dir) {
        Path file = dir.lockFile();
        if (!HELD_HERE.add(dir.root())) {
            throw new JournalHeldException(dir.root(), "this process (pid " + ProcessHandle.current().pid() + ")");
        }
        FileChannel channel = null;
        try {
            JournalDirectory.createPrivateFile(file);
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                String holder = Files.readString(file, StandardCharsets.UTF_8).trim();
                throw new JournalHeldException(dir.root(), holder.isEmpty() ? "an unknown process" : holder);
            }
            String me = "host pid " + ProcessHandle.current().pid() + " on " + hostName() + " since " + Instant.now();
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((me + "\n").getBytes(StandardCharsets.UTF_8)), 0);
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

    /** Whether some live process holds the journal (without taking it). */
    public static boolean isHeld(JournalDirectory dir) {
        Path file = dir.lockFile();
        if (HELD_HERE.contains(dir.root())) {
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

    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
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

    /** Another live host holds the journal. */
    public static final class JournalHeldException extends JournalException {
        private static final long serialVersionUID = 1L;

        JournalHeldException(Path dir, String holder) {
            super("journal " + dir + " is held by another host: " + holder);
        }
    }
}
