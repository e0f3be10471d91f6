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
    private static final Pattern KEPT = Pattern.compile("([0-9a-f]{32})-([0-9a-f]{64})\\.mv\\.db");
    private static final Pattern PARTIAL_OF = Pattern.compile(PARTIAL + "(\\d+)-.*");

    private CaughtUpCopy() {
    }

    /** The name of the copy made from these: the database file's and the redo log's fingerprints, and the generation committed. */
    static String key(Object databaseFingerprint, long committed, Object redoFingerprint) {
        return HexFormat.of().formatHex(sha256().digest((databaseFingerprint + "|" + committed + "|" + redoFingerprint)
                .getBytes(StandardCharsets.UTF_8)), 0, 16);
    }

    /**
     * Copies the kept copy made from the state {@code key} names to {@code target}; false, with {@code target} left
     * absent or partial, when there is none or its bytes are not the ones kept.
     */
    static boolean copyKept(JournalDirectory dir, String key, Path target) throws IOException {
        Path directory = ownDirectory(dir).orElse(null);
        if (directory == null) {
            return false;
        }
        List<Path> candidates;
        try (var files = Files.list(directory)) {
            candidates = files.filter(f -> keyOf(f).equals(key) && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).toList();
        }
        for (Path f : candidates) { // several readers that caught up at once each keep theirs
            Matcher m = KEPT.matcher(f.getFileName().toString());
            if (m.matches() && m.group(2).equals(copy(f, target, false))) {
                return true;
            }
            Files.deleteIfExists(target);
            if (dir.ownedByThisUser()) {
                Files.deleteIfExists(f); // damaged since it was kept
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
            List<Path> present;
            try (var files = Files.list(directory)) {
                present = files.toList();
            }
            // readers that caught up beside this one keep copies of the same state (each of other bytes): all keep the one
            // of the least name, which none deletes, so one stays whatever order they list and delete in
            String least = present.stream().filter(f -> keyOf(f).equals(key)).map(f -> f.getFileName().toString()).min(String::compareTo)
                    .orElse(name);
            for (Path f : present) {
                boolean sameState = keyOf(f).equals(key);
                if (sameState ? f.getFileName().toString().compareTo(least) > 0 : !partialOfALiveReader(f)) {
                    Files.deleteIfExists(f);
                }
            }
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

    /** The state a kept copy was made from (the first part of its name); empty for any other file. */
    private static String keyOf(Path f) {
        Matcher m = KEPT.matcher(f.getFileName().toString());
        return m.matches() ? m.group(1) : "";
    }

    /** A partial copy whose reader still runs (its pid is in its name); one that was killed leaves it to the next keeper. */
    private static boolean partialOfALiveReader(Path f) {
        Matcher m = PARTIAL_OF.matcher(f.getFileName().toString());
        try {
            return m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return false; // no pid of this system's
        }
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
