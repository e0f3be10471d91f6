package dev.multiproc.journal;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The files of one journal. The directory is private to its owner (0700) and every file in it is
 * created 0600, so neither the task history nor the credentials are readable by other users.
 */
public final class JournalDirectory {
    static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");

    public static final String CONSOLE_FILE_PREFIX = "console-";

    private final Path root;

    private JournalDirectory(Path root) {
        this.root = root;
    }

    /** Creates the directory (0700) if needed and tightens its mode if it exists. */
    public static JournalDirectory prepare(Path dir) {
        Path root = dir.toAbsolutePath().normalize();
        try {
            if (Files.exists(root, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(root)) {
                throw new JournalException("journal directory " + root + " exists and is not a directory");
            }
            Files.createDirectories(root);
            Files.setPosixFilePermissions(root, DIR_MODE);
            JournalDirectory journalDir = new JournalDirectory(root);
            privateDirectory(journalDir.stateDir());
            privateDirectory(root.resolve("bin"));
            return journalDir;
        } catch (IOException e) {
            throw new JournalException("cannot prepare journal directory " + root + ": " + e, e);
        }
    }

    /** Opens an existing journal directory without creating anything; for readers such as the CLI. */
    public static JournalDirectory existing(Path dir) {
        Path root = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new JournalException("no journal at " + root + " (the directory does not exist)");
        }
        return new JournalDirectory(root);
    }

    public Path root() {
        return root;
    }

    /** H2's database name: the H2 file is this path plus ".mv.db". */
    public Path databaseBase() {
        return root.resolve("journal");
    }

    public Path databaseFile() {
        return root.resolve("journal.mv.db");
    }

    public Path generationFile() {
        return root.resolve("journal.gen");
    }

    /** The redo log: the commits since the last verified checkpoint, to put back what H2 may lose. */
    public Path redoFile() {
        return root.resolve("journal.redo");
    }

    public Path credentialsFile() {
        return root.resolve("credentials");
    }

    public Path lockFile() {
        return root.resolve("host.lock");
    }

    public Path serverFile() {
        return root.resolve("server");
    }

    /** The address and token of the console run by process {@code pid}, while it runs; see {@code multiproc console}. */
    public Path consoleFile(long pid) {
        return root.resolve(CONSOLE_FILE_PREFIX + pid);
    }

    /** The state files: one per task attempt, with its shell's identity and, once it ended, its result; see {@code mpagent.h}. */
    public Path stateDir() {
        return root.resolve("run");
    }

    public Path binDir() {
        return root.resolve("bin");
    }

    /**
     * Whether this process's user owns the journal directory: the one its files are in, when it was named through a
     * link. A reader of another user's journal (root's, say) writes nothing into it: what it left there would be its
     * own, and the owner's next host could neither tighten nor remove it.
     */
    public boolean ownedByThisUser() {
        try {
            return LeftBehind.thisUser().equals(Files.getOwner(root));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Creates {@code dir} if needed, and makes it private (0700). */
    static void privateDirectory(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, DIR_MODE);
    }

    /** Deletes a directory and everything in it; nothing when it does not exist. */
    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path f : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(f);
            }
        }
    }

    /** Creates {@code file} with mode 0600 unless it exists; returns true if it was created. */
    static boolean createPrivateFile(Path file) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(FILE_MODE));
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        }
    }

    /** Sets 0600 on every regular file directly in the journal directory (H2 creates its files with the umask). */
    public void tightenFileModes() {
        try (var files = Files.list(root)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    Files.setPosixFilePermissions(f, FILE_MODE);
                }
            }
        } catch (IOException e) {
            throw new JournalException("cannot set the modes of the files in " + root + ": " + e, e);
        }
    }
}
