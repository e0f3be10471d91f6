package dev.multiproc.cli;

import dev.multiproc.journal.HostLock;
import dev.multiproc.journal.JournalDirectory;
import dev.multiproc.journal.JournalSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Optional;
import java.util.TimeZone;

/**
 * The answer {@code status} printed about a journal no host holds, kept in the journal directory ({@code
 * status.saved}, and {@code status.json.saved} for {@code --json}; 0600) with what it was made from: the database
 * file's identity, size and modification time (as {@link JournalSnapshot} checks them) and the generation of the last
 * commit, the form asked for, the time zone and locale it was printed in, and the build that printed it. Without a host the answer is a function of the file alone, so while all of these are the same it
 * is printed again without copying and opening the file (in a {@code watch} loop, or a script's): that open was most
 * of {@code status}'s time. A host's writes change the file, and an answer is kept only if no host held the journal and
 * the file did not change from before the reading to after it. A host that closes leaves the answer for the journal as it
 * left it ({@link StatusLeftByHost}): the first {@code status} after a run needs no reading of the file either.
 */
public final class SavedStatus {
    public static final String FILE = "status.saved";
    /** The JSON form's ({@code status --json}), kept apart: a script's loop and a person's may alternate. */
    public static final String JSON_FILE = "status.json.saved";
    private static final String FORMAT = "multiproc status.saved 1";

    private final JournalDirectory dir;
    private final boolean json;
    private final Path file;
    private final String key;

    private SavedStatus(JournalDirectory dir, boolean json, String key) {
        this.dir = dir;
        this.json = json;
        this.file = dir.root().resolve(json ? JSON_FILE : FILE);
        this.key = key;
    }

    /** The saved answer's place for this form of {@code status}; empty while a host holds the journal, or its file cannot be read. */
    static Optional<SavedStatus> of(JournalDirectory dir, boolean json) {
        if (HostLock.isHeld(dir)) {
            return Optional.empty();
        }
        return key(dir, json).map(k -> new SavedStatus(dir, json, k));
    }

    /** Empty when the journal's state cannot be read (the usual way says why), or the key would not fit on its line. */
    private static Optional<String> key(JournalDirectory dir, boolean json) {
        return JournalSnapshot.stateOf(dir)
                .map(state -> String.join("\t", FORMAT, json ? "json" : "text", TimeZone.getDefault().getID(),
                        Locale.getDefault().toLanguageTag(), build(), state, dir.root().toString()))
                .filter(key -> !key.contains("\n"));
    }

    /** The jar (or class directory) this runs from and its modification time: another build may print otherwise. */
    private static String build() {
        try {
            Path code = Path.of(SavedStatus.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return code + " " + Files.getLastModifiedTime(code);
        } catch (Exception e) {
            return "unknown";
        }
    }

    /** The answer saved for the journal's file as it is now; empty when none was, or it was for another state of it. */
    Optional<String> answer() {
        try {
            if (!Files.isRegularFile(file) || !Files.getOwner(file).equals(Files.getOwner(dir.databaseFile()))) {
                return Optional.empty();
            }
            String saved = Files.readString(file, StandardCharsets.UTF_8);
            int end = saved.indexOf('\n');
            return end > 0 && saved.substring(0, end).equals(key) ? Optional.of(saved.substring(end + 1)) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Keeps {@code answer}, read after this was made, if no host holds the journal now and its file is as it was then.
     * A journal directory this user cannot write to keeps nothing; nothing here fails the command.
     */
    void keep(String answer) {
        if (HostLock.isHeld(dir) || !key(dir, json).equals(Optional.of(key))) {
            return;
        }
        write(answer);
    }

    /**
     * Keeps {@code answer}, the text form of the status of the journal in {@code dir} as it is now, for a host that
     * closed that journal and still holds its lock: no other host has changed it since the answer was read.
     */
    static void leftByHost(JournalDirectory dir, String answer) {
        key(dir, false).ifPresent(k -> new SavedStatus(dir, false, k).write(answer));
    }

    private void write(String answer) {
        if (!dir.ownedByThisUser()) {
            return; // another user's journal (root reading it, say): a file of this user's there would stop its owner's next host
        }
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir.root(), file.getFileName() + ".", ".new", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, key + "\n" + answer, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // nothing more to try: the answer was printed, and the next status reads the file again
                }
            }
        }
    }
}
