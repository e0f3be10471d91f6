package dev.multiproc.cli;

import dev.multiproc.journal.JournalDirectory;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Optional;
import java.util.Set;

/** Finds the journal an inspection command reads, and says why when there is none this user can read. */
final class JournalLocation {
    private JournalLocation() {
    }

    static JournalDirectory existing(Path journalDir) {
        Path root = journalDir.toAbsolutePath().normalize();
        try {
            if (!Files.readAttributes(root, java.nio.file.attribute.BasicFileAttributes.class).isDirectory()) {
                throw new IllegalArgumentException("no journal at " + root + ": it is a file, not a journal directory");
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no journal at " + root + " (the directory does not exist; run something first, or point "
                    + "--journal at one)");
        } catch (AccessDeniedException e) {
            throw notAccessible(root, firstInaccessible(root));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot look at the journal " + root + ": " + e.getMessage(), e);
        }
        if (!Files.isReadable(root) || !Files.isExecutable(root)) {
            throw notAccessible(root, root);
        }
        JournalDirectory dir = JournalDirectory.existing(root);
        if (!Files.exists(dir.credentialsFile()) || !Files.exists(dir.databaseFile())) {
            throw new IllegalArgumentException("no journal at " + root + " (the directory holds none; run something first, or point "
                    + "--journal at one)");
        }
        for (Path file : new Path[] {dir.credentialsFile(), dir.databaseFile()}) {
            if (!Files.isReadable(file)) {
                throw notAccessible(root, file);
            }
        }
        return dir;
    }

    /** "the journal at X exists but is not accessible to user U: Y belongs to O (mode 0700) ...". */
    private static IllegalArgumentException notAccessible(Path root, Path blocking) {
        String user = System.getProperty("user.name");
        Optional<PosixFileAttributes> attributes = posixAttributes(blocking);
        String owner = attributes.map(a -> a.owner().getName()).orElse("another user");
        String mode = attributes.map(a -> ", mode " + octal(a.permissions())).orElse("");
        String where = blocking.equals(root) ? "it belongs to " : blocking + " belongs to ";
        return new IllegalArgumentException("the journal at " + root + " exists but is not accessible to user " + user + ": " + where
                + owner + mode + " (a journal is private to its owner); run this command as " + owner);
    }

    /** The nearest ancestor of {@code path} whose contents this user may not reach. */
    private static Path firstInaccessible(Path path) {
        Path p = path.getRoot();
        for (Path part : path) {
            p = p.resolve(part);
            if (!Files.isExecutable(p)) {
                return p;
            }
        }
        return path;
    }

    /**
     * The owner and mode of {@code path} itself (a link is not followed); empty on a file system that keeps no POSIX
     * attributes, or when they cannot be read: the messages then say less.
     */
    static Optional<PosixFileAttributes> posixAttributes(Path path) {
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(view.readAttributes());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static String octal(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", mode);
    }
}
