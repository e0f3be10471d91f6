package dev.multiproc.journal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The last copy of a lagging journal that a reader brought up to date ({@link SnapshotCatchUp}), kept in the journal's
 * directory ({@code caught-up/}) so that the readers after it (history, sql, logs, the console: each a process of its own)
 * copy it instead of catching up again, which replays the redo log (seconds, for a log of megabytes). It is named by
 * what it was made from: the database file's fingerprint, the generation committed and the redo log's fingerprint; a
 * host that writes the journal changes the first, so a kept copy never stands for another state. A host's open deletes
 * it, as does a reader that finds the file no longer lagging. Keeping it is best-effort: when it cannot be written or
 * read, the reader catches up as before.
 */
final class CaughtUpCopy {
    private static final String DIRECTORY = "caught-up";
    private static final String SUFFIX = ".mv.db";

    private CaughtUpCopy() {
    }

    /** The name of the copy made from these: the database file's and the redo log's fingerprints, and the generation committed. */
    static String key(Object databaseFingerprint, long committed, Object redoFingerprint) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((databaseFingerprint + "|" + committed + "|" + redoFingerprint)
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    /** The kept copy made from the state {@code key} names; empty when there is none. */
    static Optional<Path> find(JournalDirectory dir, String key) {
        Path kept = dir.root().resolve(DIRECTORY).resolve(key + SUFFIX);
        return Files.isRegularFile(kept) ? Optional.of(kept) : Optional.empty();
    }

    /** Keeps {@code caughtUp}, a database file brought up to the state {@code key} names, in place of any kept before. */
    static void keep(JournalDirectory dir, String key, Path caughtUp) {
        Path directory = dir.root().resolve(DIRECTORY);
        Path partial = null;
        try {
            JournalDirectory.privateDirectory(directory);
            partial = Files.createTempFile(directory, "partial-", ".tmp");
            Files.copy(caughtUp, partial, StandardCopyOption.REPLACE_EXISTING);
            Files.move(partial, directory.resolve(key + SUFFIX), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (var files = Files.list(directory)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    if (!f.getFileName().toString().equals(key + SUFFIX) && !f.getFileName().toString().startsWith("partial-")) {
                        Files.deleteIfExists(f);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            deleteQuietly(partial); // a full disk, a read-only directory: the next reader catches up again
        }
    }

    /** Deletes a kept copy that no longer stands for the journal: a host opened it, or a reader found it not lagging. */
    static void forget(JournalDirectory dir) {
        Path directory = dir.root().resolve(DIRECTORY);
        if (Files.exists(directory)) {
            try {
                JournalDirectory.deleteTree(directory);
            } catch (IOException e) {
                // it is never used for another state; the next one to forget it tries again
            }
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
