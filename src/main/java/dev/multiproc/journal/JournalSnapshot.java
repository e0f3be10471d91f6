package dev.multiproc.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * Reading a journal that no host holds, without ever blocking a host. H2 locks the file for every
 * connection, a read-only one too, and a host cannot open a file another process has locked; so a
 * reader copies the file, unlocked, into a private temporary directory and opens the copy read-only.
 * The copy is kept only if no host took the journal, and the file did not change, while it was taken;
 * it is deleted as soon as H2 has it open (the open file stays readable until its connection closes).
 */
public final class JournalSnapshot {
    private static final String READER_COPY = "multiproc-read-";
    private static final java.util.regex.Pattern KILLED_READERS_COPY = java.util.regex.Pattern.compile(READER_COPY + "(\\d{1,9})-.*");

    private JournalSnapshot() {
    }

    /**
     * A read-only connection to a copy of the journal as it is now; empty when a host took the journal
     * meanwhile (read it through that host's server then). When the file lags what was committed (a host was
     * killed), the copy is first brought up to date ({@link SnapshotCatchUp}); {@code warnings} hears if it cannot be.
     */
    public static Optional<Connection> open(JournalDirectory dir, JournalCredentials credentials, String user, String password,
            Consumer<String> warnings) throws SQLException {
        if (HostLock.isHeld(dir)) {
            return Optional.empty();
        }
        Path dbFile = dir.databaseFile();
        Path copyDir;
        try {
            deleteCopiesOfKilledReaders(temporaryRoot());
            copyDir = Files.createTempDirectory(temporaryRoot(), READER_COPY + ProcessHandle.current().pid() + "-"); // 0700
        } catch (IOException e) {
            throw new JournalException("cannot make a private copy of the journal to read it: " + e, e);
        }
        try {
            Path copy = copyDir.resolve("journal.mv.db");
            Object before = fingerprint(dbFile);
            OptionalLong recorded = recordedGeneration(dir);
            try {
                Files.copy(dbFile, copy, StandardCopyOption.COPY_ATTRIBUTES);
            } catch (IOException e) {
                throw new JournalException("cannot copy the journal " + dbFile + " (" + (sizeOf(dbFile) >> 20) + " MiB) to " + copyDir
                        + " to read it: " + e.getMessage() + " (set TMPDIR to a directory with room)", e);
            }
            if (tookOverOrChanged(dir, before)) {
                return Optional.empty();
            }
            String url = readOnlyUrl(copyDir.resolve("journal"));
            // no trace file (its directory goes next): only an admin may say so, and the setting stays with the open database
            String ownerUrl = url + ";TRACE_LEVEL_FILE=0";
            long held;
            try (Connection owner = H2Settings.connect(ownerUrl, JournalCredentials.OWNER, credentials.ownerPassword())) {
                held = generation(owner);
                if (recorded.isEmpty() || held >= recorded.getAsLong()) {
                    CaughtUpCopy.forget(dir);
                    return Optional.of(H2Settings.connect(url, user, password));
                }
            }
            Object redoBefore = fingerprint(dir.redoFile());
            String key = CaughtUpCopy.key(before, recorded.getAsLong(), redoBefore);
            boolean reusedKeptCopy = tookKeptCopy(dir, key, copyDir, credentials, recorded.getAsLong());
            Optional<String> behind = reusedKeptCopy ? Optional.empty()
                    : SnapshotCatchUp.catchUp(dir, copyDir.resolve("journal"), credentials, held, recorded.getAsLong());
            if (tookOverOrChanged(dir, before) || !recorded.equals(recordedGeneration(dir))
                    || !Objects.equals(redoBefore, fingerprint(dir.redoFile()))) {
                return Optional.empty(); // a host opened the journal meanwhile, and may have repaired it: read it again
            }
            behind.ifPresent(warnings);
            if (behind.isEmpty() && !reusedKeptCopy) {
                CaughtUpCopy.keep(dir, key, copy);
                if (tookOverOrChanged(dir, before)) {
                    CaughtUpCopy.forget(dir); // a host opened the journal after the check above, maybe before it deleted copies
                }
            }
            try (Connection owner = H2Settings.connect(ownerUrl, JournalCredentials.OWNER, credentials.ownerPassword())) {
                return Optional.of(H2Settings.connect(url, user, password));
            }
        } finally {
            deleteQuietly(copyDir);
        }
    }

    /** Whether a host holds the journal now, or its file is no longer as it was when {@code before} was taken. */
    private static boolean tookOverOrChanged(JournalDirectory dir, Object before) {
        return HostLock.isHeld(dir) || !Objects.equals(before, fingerprint(dir.databaseFile()));
    }

    /**
     * Puts in place of the reader's copy the one a reader before it brought up to date from the same state ({@link
     * CaughtUpCopy}), once it opens at generation {@code committed} or later; false, leaving the reader's copy as it was,
     * when there is none that does.
     */
    private static boolean tookKeptCopy(JournalDirectory dir, String key, Path copyDir, JournalCredentials credentials, long committed) {
        Path candidate = copyDir.resolve("kept.mv.db");
        try {
            if (!CaughtUpCopy.copyKept(dir, key, candidate, copied -> {
                try (Connection owner = H2Settings.connect(readOnlyUrl(copyDir.resolve("kept")) + ";TRACE_LEVEL_FILE=0",
                        JournalCredentials.OWNER, credentials.ownerPassword())) {
                    long g = generation(owner);
                    return g != Long.MAX_VALUE && g >= committed; // none at all: not a journal's
                }
            })) {
                return false;
            }
            Files.move(candidate, copyDir.resolve("journal.mv.db"), StandardCopyOption.REPLACE_EXISTING);
            return true;
        } catch (IOException | RuntimeException e) {
            return false; // catch up instead; what is left of it goes with the reader's directory
        }
    }

    private static String readOnlyUrl(Path base) {
        return "jdbc:h2:file:" + base + ";ACCESS_MODE_DATA=r;IFEXISTS=TRUE";
    }

    /**
     * The generation last committed, as the generation file records it after each commit has been told; when it holds none
     * (empty, cut short, or unreadable), the last one the redo log holds; empty when neither says.
     */
    private static OptionalLong recordedGeneration(JournalDirectory dir) {
        try {
            OptionalLong recorded = GenerationFile.read(dir.generationFile());
            if (recorded.isPresent()) {
                return recorded;
            }
        } catch (JournalException e) {
            // as if it held none
        }
        RedoLog.Contents redo = RedoLog.read(dir.redoFile());
        return redo.entries().isEmpty() ? OptionalLong.empty() : OptionalLong.of(redo.lastGeneration());
    }

    /** The generation a journal database holds; its journal_meta row, read without loading {@link Journal} and its pool. */
    private static long generation(Connection c) throws SQLException {
        try (java.sql.Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT meta_value FROM journal_meta WHERE meta_key = 'generation'")) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (SQLException e) {
            return Long.MAX_VALUE; // no journal_meta yet: a journal too new to have lost anything, or not a journal
        }
    }

    /** {@code $TMPDIR} when it names a directory, else Java's temporary directory. */
    private static Path temporaryRoot() {
        String tmpdir = System.getenv("TMPDIR");
        if (tmpdir != null && !tmpdir.isBlank() && Files.isDirectory(Path.of(tmpdir))) {
            return Path.of(tmpdir);
        }
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * What changes when a host commits to the journal in {@code dir}: the database file's {@link #fingerprint} and the
     * generation the generation file records (each commit's, which a file system with a coarse clock does not miss);
     * empty when either cannot be read.
     */
    public static Optional<String> stateOf(JournalDirectory dir) {
        Object file = fingerprint(dir.databaseFile());
        if (!(file instanceof java.util.List)) {
            return Optional.empty();
        }
        try {
            return Optional.of(file + " " + GenerationFile.read(dir.generationFile()));
        } catch (JournalException e) {
            return Optional.empty();
        }
    }

    /** What changes when a host writes the file: its identity, size and modification time; a message when it cannot be read. */
    static Object fingerprint(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return java.util.List.of(String.valueOf(a.fileKey()), a.size(), a.lastModifiedTime());
        } catch (IOException e) {
            return e.toString();
        }
    }

    /**
     * Deletes the private copies that readers killed while reading left behind: this user's, named by a process that is
     * gone, and untouched for an hour (a reader in another pid namespace sharing the directory may not be gone, and would
     * fail).
     */
    private static void deleteCopiesOfKilledReaders(Path root) {
        try (java.nio.file.DirectoryStream<Path> copies = Files.newDirectoryStream(root, READER_COPY + "*")) {
            java.nio.file.attribute.UserPrincipal me = LeftBehind.thisUser();
            for (Path copy : copies) {
                java.util.regex.Matcher m = KILLED_READERS_COPY.matcher(copy.getFileName().toString());
                if (m.matches() && LeftBehind.processGone(m.group(1)) && LeftBehind.untouchedForAnHour(copy)
                        && Files.isDirectory(copy, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                        && Files.getOwner(copy, java.nio.file.LinkOption.NOFOLLOW_LINKS).equals(me)) {
                    deleteQuietly(copy);
                }
            }
        } catch (IOException | RuntimeException e) {
            // what is left stays for the system's cleaning of its temporary directory
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a temporary directory: the system's cleaning takes what is left
        }
    }
}
