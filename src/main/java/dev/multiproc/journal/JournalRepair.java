package dev.multiproc.journal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a journal whose database file lost commits, or cannot be opened at all, without ever refusing it.
 *
 * <p>The generation file and the redo log say what was committed; the database file says what it
 * holds. When it holds less, the damaged files are first copied to an evidence directory, then, on
 * copies, in this order:
 * <ol>
 * <li>H2's own recovery: the MVStore is opened in recovery mode, which scans the whole file for the
 *     newest complete set of chunks instead of trusting the file header (H2 2.5 could leave the header
 *     behind a chunk it wrote into reused space). Accepted only if it holds the committed generation.</li>
 * <li>The redo log: its records are applied, in order, to the newest state the file opens at. Accepted
 *     if they reach the committed generation with no record missing: nothing is lost.</li>
 * <li>Otherwise the journal is rebuilt from what survives: that newest state (or an empty journal if
 *     the file opens at no state), the redo log's records, and the task state files, which
 *     recovery reads as usual. Tasks whose fate the lost commits may have held are not run again:
 *     recovery reports them lost (see {@link JournalMeta#UNCERTAIN_BELOW_JOB}).</li>
 * </ol>
 * The chosen copy then replaces the file, and the report goes to the {@code journal_repair} table.
 */
final class JournalRepair {
    private static final Logger log = LoggerFactory.getLogger(JournalRepair.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);

    private final JournalDirectory dir;
    private final JournalCredentials credentials;
    private final RedoLog.Contents redo;
    private final long committed;
    private final DatabaseFile.Opened found;
    private final StringBuilder details = new StringBuilder();

    private JournalRepair(JournalDirectory dir, JournalCredentials credentials, RedoLog.Contents redo, long committed,
            DatabaseFile.Opened found) {
        this.dir = dir;
        this.credentials = credentials;
        this.redo = redo;
        this.committed = committed;
        this.found = found;
    }

    /**
     * Checks that the database file holds every committed generation; repairs it if not. Empty when
     * nothing was wrong. Throws only when the file is in use by another process.
     */
    static Optional<RepairReport> verifyOrRepair(JournalDirectory dir, JournalCredentials credentials) {
        OptionalLong recorded = GenerationFile.read(dir.generationFile());
        RedoLog.Contents redo = RedoLog.read(dir.redoFile());
        long committed = Math.max(recorded.orElse(0), redo.lastGeneration());
        DatabaseFile database = new DatabaseFile(dir.databaseBase(), credentials);
        if (!database.exists() && committed == 0) {
            return Optional.empty(); // a new journal
        }
        DatabaseFile.Opened found = database.exists() ? database.openReadOnly()
                : DatabaseFile.Opened.failed("the file is missing or empty");
        if (found.locked()) {
            throw new JournalException(FileHolders.lockedMessage(dir.databaseFile(), found.error()));
        }
        if (found.generation() >= committed) {
            return Optional.empty();
        }
        return Optional.of(new JournalRepair(dir, credentials, redo, committed, found).repair());
    }

    private RepairReport repair() {
        String problem = found.opened() ? "it holds generation " + found.generation() + " but generation " + committed
                + " was committed" : "it cannot be opened (" + found.error() + ")";
        log.warn("the journal database {} is damaged: {}; repairing it", dir.databaseFile(), problem);
        note("The journal database was found damaged: " + problem + ".");
        try {
            Path work = freshDirectory(dir.root().resolve("repair"));
            Path evidence = keepEvidence();
            RepairReport report = bringBack(work, evidence);
            Files.writeString(evidence.resolve("REPAIR.txt"), details + "\nResult: " + report.kind() + ", generation "
                    + report.resultGeneration() + ".\n", StandardCharsets.UTF_8);
            JournalDirectory.deleteTree(work);
            log.warn("journal {}: {} (generation {}, {} committed); the damaged files are kept in {}", dir.root(),
                    describe(report.kind()), report.resultGeneration(), committed, evidence);
            return report;
        } catch (IOException e) {
            throw new JournalException("cannot repair the damaged journal database " + dir.databaseFile() + " (" + problem + "): " + e, e);
        }
    }

    private RepairReport bringBack(Path work, Path evidence) throws IOException {
        DatabaseFile best = found.opened() ? copyOf(work.resolve("opened")) : null;
        long bestGeneration = found.opened() ? found.generation() : -1;
        if (new DatabaseFile(dir.databaseBase(), credentials).exists()) {
            DatabaseFile recovered = copyOf(work.resolve("recovered"));
            DatabaseFile.Opened r = recoverWithMvStore(recovered);
            if (r.opened() && r.generation() >= committed) {
                note("H2's recovery mode found generation " + r.generation() + " in the file: its header was behind its newest chunk.");
                install(recovered);
                return report(RepairReport.Kind.HEADER_REPAIRED, r.generation(), evidence);
            }
            if (r.opened() && r.generation() > bestGeneration) {
                best = recovered;
                bestGeneration = r.generation();
            }
        }
        if (best == null) {
            best = new DatabaseFile(work.resolve("empty").resolve("journal"), credentials);
            bestGeneration = best.createEmpty(redo.schemaVersion());
            note("No state of the file could be opened; the journal is rebuilt on an empty one.");
        }
        RedoReplay replay = new RedoReplay(best, redo);
        if (replay.canComplete(bestGeneration, committed)) {
            long reached = replay.applyStrictly(bestGeneration);
            note("Applied the redo log's records " + (bestGeneration + 1) + " to " + reached + " to the state at generation "
                    + bestGeneration + ".");
            install(best);
            return report(RepairReport.Kind.REPLAYED, reached, evidence);
        }
        note("The redo log holds generations " + (redo.base() + 1) + " to " + redo.lastGeneration()
                + (redo.stoppedEarly() != null ? " (it stops early: " + redo.stoppedEarly() + ")" : "")
                + ", not all of " + (bestGeneration + 1) + " to " + committed + ".");
        RedoReplay.Lenient result = replay.applyLeniently(bestGeneration, committed, highestJobIdOfStateFiles());
        note("Rebuilt from the state at generation " + bestGeneration + " and " + result.applied() + " redo records ("
                + result.failedStatements() + " statements did not apply). Unfinished tasks of jobs below " + result.uncertainBelowJob()
                + " whose state files are gone are reported lost, not run again: their end may have been in what was lost.");
        install(best);
        return report(RepairReport.Kind.REBUILT, result.generation(), evidence);
    }

    /** Opens a copy in H2's recovery mode ({@link DatabaseFile#recover}). */
    private DatabaseFile.Opened recoverWithMvStore(DatabaseFile copy) {
        DatabaseFile.Opened r = copy.recover();
        note(r.opened() ? "H2's recovery mode opened the file at generation " + r.generation() + "." : r.error() + ".");
        return r;
    }

    /** The highest job id named by a task state file ({@code TASKID-ATTEMPT}, TASKID {@code 17} or {@code 18_3}); 0 if none. */
    private long highestJobIdOfStateFiles() throws IOException {
        long highest = 0;
        if (!Files.isDirectory(dir.stateDir())) {
            return 0;
        }
        try (var files = Files.newDirectoryStream(dir.stateDir())) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                int end = 0;
                while (end < name.length() && Character.isDigit(name.charAt(end))) {
                    end++;
                }
                if (end > 0 && end < 19) {
                    highest = Math.max(highest, Long.parseLong(name.substring(0, end)));
                }
            }
        }
        return highest;
    }

    private DatabaseFile copyOf(Path base) throws IOException {
        Files.createDirectories(base.getParent());
        DatabaseFile copy = new DatabaseFile(base, credentials);
        Files.copy(dir.databaseFile(), copy.file(), StandardCopyOption.REPLACE_EXISTING);
        return copy;
    }

    private void install(DatabaseFile chosen) throws IOException {
        Files.move(chosen.file(), dir.databaseFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private Path keepEvidence() throws IOException {
        Path evidence = dir.root().resolve("damaged").resolve(STAMP.format(Instant.now()));
        JournalDirectory.privateDirectory(evidence.getParent());
        JournalDirectory.privateDirectory(evidence);
        for (Path f : new Path[] {dir.databaseFile(), dir.generationFile(), dir.redoFile()}) {
            if (Files.exists(f)) {
                Files.copy(f, evidence.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        note("The damaged files, as found, are in " + evidence + ".");
        return evidence;
    }

    private RepairReport report(RepairReport.Kind kind, long generation, Path evidence) {
        return new RepairReport(kind, found.opened() ? found.generation() : -1, committed, generation, evidence, details.toString().trim());
    }

    private void note(String line) {
        details.append(line).append('\n');
    }

    private static String describe(RepairReport.Kind kind) {
        return switch (kind) {
            case HEADER_REPAIRED -> "repaired by H2's recovery mode, nothing lost";
            case REPLAYED -> "repaired from the redo log, nothing lost";
            case REBUILT -> "rebuilt from what survived";
        };
    }

    private static Path freshDirectory(Path p) throws IOException {
        JournalDirectory.deleteTree(p);
        JournalDirectory.privateDirectory(p);
        return p;
    }
}
