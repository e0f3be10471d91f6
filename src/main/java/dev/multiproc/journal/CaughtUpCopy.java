package dev.multiproc.journal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The last copy of a lagging journal that a reader brought up to date ({@link SnapshotCatchUp}), kept in the journal's
 * directory ({@code caught-up/}) so that the readers after it (history, sql, logs, the console: each a process of its own)
 * copy it instead of catching up again, which replays the redo log (seconds, for a log of megabytes). Its name says what
 * it was made from (the database file's fingerprint, the generation committed and the redo log's fingerprint: a host that
 * writes the journal changes the first, so a kept copy never stands for another state) and its SHA-256, checked as it is
 * copied back. Only the journal's owner keeps one, in a directory of its own that is no link; a host's open deletes it,
 * as does a reader that finds the file no longer lagging. Keeping it is best-effort: when it cannot be written or read
 * whole, the reader catches up as before.
 */
final class CaughtUpCopy {
    private static final String DIRECTORY = "caught-up";
    private static final String PARTIAL = "partial-";
    private static final String FORMAT = "caught-up 1";
    private static final Pattern KEPT = Pattern.compile("([0-9a-f]{32})-([0-9a-f]{64})\\.mv\\.db");
    private static final Pattern PARTIAL_OF = Pattern.compile(PARTIAL + "(\\d+)-.*");

    private CaughtUpCopy() {
    }

    /** The name of the copy made from these: the database file's and the redo log's fingerprints, and the generation committed. */
    static String key(Object databaseFingerprint, long committed, Object redoFingerprint) {
        // and H2's version: another one writes other files, which may not open at the same state
        return HexFormat.of().formatHex(sha256().digest((FORMAT + "|" + org.h2.engine.Constants.FULL_VERSION + "|" + databaseFingerprint
                + "|" + committed + "|" + redoFingerprint)
                .getBytes(StandardCharsets.UTF_8)), 0, 16);
    }

    /** Whether a kept copy, copied to a reader's directory, opens as a journal at the generation committed. */
    interface Acceptance {
        boolean accepts(Path copied) throws java.sql.SQLException;
    }

    /**
     * Copies to {@code target} a kept copy made from the state {@code key} names, whose bytes are the ones kept and which
     * {@code acceptance} accepts; false, with {@code target} absent, when there is none. The journal's owner deletes the
     * ones that fail: damaged since, or made by another version.
     */
    static boolean copyKept(JournalDirectory dir, String key, Path target, Acceptance acceptance) throws IOException {
        Path directory = ownDirectory(dir).orElse(null);
        if (directory == null) {
            return false;
        }
        List<Path> candidates;
        try (var files = Files.list(directory)) {
            // the least name first: that is the one that readers keeping at once leave (see keep)
            candidates = files.filter(f -> keyOf(f).equals(key)).sorted().toList();
        }
        for (Path f : candidates) {
            Matcher m = KEPT.matcher(f.getFileName().toString());
            try {
                if (m.matches() && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) && m.group(2).equals(copy(f, target, false))
                        && acceptance.accepts(target)) {
                    return true;
                }
            } catch (java.nio.file.NoSuchFileException e) {
                Files.deleteIfExists(target);
                continue; // deleted meanwhile by a reader that kept another
            } catch (java.sql.SQLException | RuntimeException e) {
                // it does not open: as one that fails
            }
            Files.deleteIfExists(target);
            if (dir.ownedByThisUser()) {
                Files.deleteIfExists(f);
            }
        }
        return false;
    }

    /** Keeps {@code caughtUp}, a database file brought up to the state {@code key} names, in place of any kept before. */
    static void keep(JournalDirectory dir, String key, Path caughtUp) {
        if (!dir.ownedByThisUser()) {
            return;
        }
        Path directory = dir.root().resolve(DIRECTORY);
        Path partial = null;
        try {
            try {
                Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(JournalDirectory.DIR_MODE));
            } catch (FileAlreadyExistsException e) {
                // made by a reader before: used only if it is still a directory of this user's, not a link
            }
            if (ownDirectory(dir).isEmpty()) {
                return;
            }
            partial = directory.resolve(PARTIAL + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".tmp");
            String digest = copy(caughtUp, partial, true);
            String name = key + "-" + digest + ".mv.db";
            Files.move(partial, directory.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            sweep(directory, key, name);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(partial); // a full disk, a read-only directory: the next reader catches up again
        }
    }

    /** Deletes a kept copy that no longer stands for the journal: a host opened it, or a reader found it not lagging. */
    static void forget(JournalDirectory dir) {
        Path directory = dir.root().resolve(DIRECTORY);
        if (Files.exists(directory, LinkOption.NOFOLLOW_LINKS) && dir.ownedByThisUser()) {
            try {
                JournalDirectory.deleteTree(directory); // a link is deleted, not followed
            } catch (IOException e) {
                // it is never used for another state; the next one to forget it tries again
            }
        }
    }

    /** The caught-up directory, when it is a directory (not a link) of the journal directory's owner, private to it. */
    private static Optional<Path> ownDirectory(JournalDirectory dir) throws IOException {
        Path directory = dir.root().resolve(DIRECTORY);
        if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        PosixFileAttributes a = Files.readAttributes(directory, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        boolean own = a.isDirectory() && a.owner().equals(Files.getOwner(dir.root()))
                && a.permissions().equals(JournalDirectory.DIR_MODE);
        return own ? Optional.of(directory) : Optional.empty();
    }

    /**
     * Deletes what no longer stands for the journal beside the copy just kept as {@code name}: copies of other states, and
     * partial copies of readers that are gone. Readers that caught up beside this one keep copies of the same state (each
     * of other bytes): all keep the one of the least name, which none deletes, so one stays in whatever order they list
     * and delete.
     */
    private static void sweep(Path directory, String key, String name) throws IOException {
        List<Path> present;
        try (var files = Files.list(directory)) {
            present = files.toList();
        }
        String least = present.stream().filter(f -> keyOf(f).equals(key)).map(f -> f.getFileName().toString()).min(String::compareTo)
                .orElse(name);
        for (Path f : present) {
            boolean superseded = keyOf(f).equals(key) ? f.getFileName().toString().compareTo(least) > 0 : !partialOfALiveReader(f);
            if (superseded) {
                Files.deleteIfExists(f);
            }
        }
    }

    /** The state a kept copy was made from (the first part of its name); empty for any other file. */
    private static String keyOf(Path f) {
        Matcher m = KEPT.matcher(f.getFileName().toString());
        return m.matches() ? m.group(1) : "";
    }

    /**
     * A partial copy whose reader may still be writing it: its pid (in its name) runs, and it was touched within the hour.
     * A reader of another pid namespace looks gone: its copy is then not kept, and it reads on.
     */
    private static boolean partialOfALiveReader(Path f) throws IOException {
        Matcher m = PARTIAL_OF.matcher(f.getFileName().toString());
        return m.matches() && !LeftBehind.processGone(m.group(1)) && !LeftBehind.untouchedForAnHour(f);
    }


    /** Copies {@code from} to a new file {@code to} (0600), on the disk when {@code sync}; returns the SHA-256 of the bytes copied. */
    private static String copy(Path from, Path to, boolean sync) throws IOException {
        MessageDigest sha = sha256();
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(from, LinkOption.NOFOLLOW_LINKS);
             FileChannel channel = FileChannel.open(to, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                     PosixFilePermissions.asFileAttribute(JournalDirectory.FILE_MODE));
             OutputStream out = java.nio.channels.Channels.newOutputStream(channel)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
                out.write(buffer, 0, n);
            }
            if (sync) {
                channel.force(true);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a partial file is never taken for a copy
            }
        }
    }
}
