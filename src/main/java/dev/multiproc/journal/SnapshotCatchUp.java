package dev.multiproc.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Brings a reader's private copy of the journal up to what was committed. After a host was killed, its database file
 * can hold fewer commits than had returned (a CI run saw it once; H2 2.5 is one known cause, its header left behind its
 * newest chunk), and the generation file and the redo log say so. A host that opens the journal repairs the file ({@link JournalRepair}); a
 * reader may not write the journal, and must not show an older state as the present one. So it does to its copy what
 * a repair would do without losing anything: H2's recovery mode, then the redo log's records.
 */
final class SnapshotCatchUp {
    private SnapshotCatchUp() {
    }

    /**
     * Brings the copy whose H2 name is {@code base}, which holds generation {@code held}, up to the generation committed
     * ({@code recorded} by the generation file, or later in the redo log). Empty when it got there; otherwise what the
     * reader shows, and why.
     */
    static Optional<String> catchUp(JournalDirectory dir, Path base, JournalCredentials credentials, long held, long recorded) {
        RedoLog.Contents redo = RedoLog.read(dir.redoFile());
        long committed = Math.max(recorded, redo.lastGeneration());
        DatabaseFile copy = new DatabaseFile(base, credentials);
        // the copy itself changes only once a state is reached: a replay that fails half-way leaves the copy as it was
        DatabaseFile work = new DatabaseFile(base.resolveSibling(base.getFileName() + "-caught-up"), credentials);
        try {
            Files.copy(copy.file(), work.file());
            DatabaseFile.Opened r = work.recover();
            long from = held;
            if (r.opened() && r.generation() > held) {
                from = r.generation();
            } else {
                Files.copy(copy.file(), work.file(), StandardCopyOption.REPLACE_EXISTING);
            }
            if (from < committed) {
                RedoReplay replay = new RedoReplay(work, redo);
                if (!replay.canComplete(from, committed)) {
                    if (from > held) {
                        Files.move(work.file(), copy.file(), StandardCopyOption.REPLACE_EXISTING);
                    }
                    return Optional.of(behind(from, committed, "its redo log does not hold the commits after it"
                            + (redo.stoppedEarly() != null ? " (" + redo.stoppedEarly() + ")" : "")));
                }
                replay.applyStrictly(from);
            }
            Files.move(work.file(), copy.file(), StandardCopyOption.REPLACE_EXISTING);
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of(behind(held, committed, e.getMessage() + " (working in " + base.getParent().getParent()
                    + ": set TMPDIR to a directory with room if it is full)"));
        } finally {
            try {
                Files.deleteIfExists(work.file());
            } catch (IOException e) {
                // in the reader's private directory, which goes next
            }
        }
    }

    private static String behind(long shown, long committed, String why) {
        return "the journal's database file holds generation " + shown + " of the " + committed + " committed (a host was "
                + "killed before its last commits reached the file), and a private copy of it cannot be brought up to date: "
                + why + ". What follows is the journal as it was at generation " + shown + ". The next host that opens the "
                + "journal repairs it: from its redo log where that holds the missing commits, else by rebuilding it from what "
                + "survives (the journal_repairs view says which)";
    }
}
