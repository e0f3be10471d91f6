package dev.multiproc.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The directory where supervisors keep one state file per task attempt, named {@code TASKID-ATTEMPT}.
 *
 * <p>A supervisor creates its file exclusively before the command runs, so the file's existence is
 * proof that the attempt started. Recovery claims the file of an attempt that shows no sign of having
 * started by creating it first: a supervisor arriving late then finds it taken and does not run.
 */
public final class StateFiles {

    private final Path dir;

    public StateFiles(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    public static String key(String taskId, int attempt) {
        return taskId + "-" + attempt;
    }

    /** The state of an attempt: empty when there is no file, or it is a recovery claim. */
    public Optional<TaskRecord> read(String taskId, int attempt) {
        return readKey(key(taskId, attempt));
    }

    Optional<TaskRecord> readKey(String key) {
        try {
            return TaskRecord.parse(Files.readString(dir.resolve(key), StandardCharsets.ISO_8859_1));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public boolean exists(String taskId, int attempt) {
        return Files.exists(dir.resolve(key(taskId, attempt)));
    }

    /**
     * Claims an attempt that never started, with an empty file. False when a supervisor created the file
     * first. (An empty file is also what a supervisor killed before writing its identity leaves: in both
     * cases the command never ran.)
     */
    public boolean claim(String taskId, int attempt) throws IOException {
        try {
            Files.createFile(dir.resolve(key(taskId, attempt)));
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        }
    }

    /** Deletes the files of a task's attempts up to {@code attempt}, once its end is journaled. */
    public void delete(String taskId, int attempt) {
        for (int a = 0; a <= attempt; a++) {
            try {
                Files.deleteIfExists(dir.resolve(key(taskId, a)));
            } catch (IOException ignored) {
                // a leftover file is harmless: recovery skips files of finished tasks and sweeps them
            }
        }
    }

    /** Every state file, by name; recovery reads them in one pass. */
    public Map<String, Path> list() throws IOException {
        Map<String, Path> files = new HashMap<>();
        if (!Files.isDirectory(dir)) {
            return files;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (!name.endsWith(".tmp")) {
                    files.put(name, p);
                }
            }
        }
        return files;
    }

    public void deleteFile(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // see delete()
        }
    }

    static void ensurePrivateDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }
}
