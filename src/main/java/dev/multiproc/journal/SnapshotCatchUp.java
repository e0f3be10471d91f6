package dev.multiproc.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Brings a reader's private copy of the journal up to what was committed. After a host was killed, its database file
 * can hold fewer commits than had returned (H2 2.5 can leave the file's header behind its newest chunk), and the
 * generation file and the redo log say so. A host that opens the journal repairs the file ({@link JournalRepair}); a
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
        DatabaseFile recovered = new DatabaseFile(base.resolveSibling(base.getFileName() + "-recovered"), credentials);
        DatabaseFile best = copy;
        long reached = held;
        try {
            Files.copy(copy.file(), recovered.file());
            DatabaseFile.Opened r = recovered.recover();
            if (r.opened() && r.generation() > held) {
                best = recovered;
                reached = r.generation();
            }
            if (reached < committed) {
                RedoReplay replay = new RedoReplay(best, redo);
                if (!replay.canComplete(reached, committed)) {
                    return Optional.of(behind(reached, committed, "its redo log does not hold the commits after it"
                            + (redo.stoppedEarly() != null ? " (" + redo.stoppedEarly() + ")" : "")));
                }
                reached = replay.applyStrictly(reached);
            }
            if (best == recovered) {
                Files.move(recovered.file(), copy.file(), StandardCopyOption.REPLACE_EXISTING);
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of(behind(held, committed, String.valueOf(e.getMessage())));
        } finally {
            try {
                Files.deleteIfExists(recovered.file());
            } catch (IOException e) {
                // in the reader's private directory, which goes next
            }
        }
    }

    private static String behind(long shown, long committed, String why) {
        return "the journal's database file holds generation " + shown + " of the " + committed + " committed (a host was "
                + "killed, and its last commits are not in the file yet), and a copy of it cannot be brought up to date: " + why
                + ". What follows may be older than the journal's last " + (committed - shown) + " commits; the next host that "
                + "opens the journal puts them back";
    }
}
