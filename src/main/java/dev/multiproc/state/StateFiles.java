package dev.multiproc.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Set;

/**
 * The directory where each task attempt has its state file, {@code TASKID-ATTEMPT} (see
 * {@code mpagent.h}).
 *
 * <p>A task creates its file exclusively before the command runs, so the file is proof that the
 * attempt started or is starting. Recovery claims an attempt that shows no sign of having started by
 * creating the file first: a task arriving late then finds it taken and does not run.
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

    public StateFile read(String taskId, int attempt) {
        try {
            return StateFile.parse(Files.readString(dir.resolve(key(taskId, attempt)), StandardCharsets.ISO_8859_1));
        } catch (NoSuchFileException e) {
            return StateFile.ABSENT;
        } catch (IOException e) {
            return StateFile.ABSENT;
        }
    }

    public boolean exists(String taskId, int attempt) {
        return Files.exists(dir.resolve(key(taskId, attempt)));
    }

    /**
     * Claims an attempt that never started; false when the attempt's task created its file first. The
     * claim appears whole (written aside, then linked into place), so nobody mistakes it for a task
     * that is still writing its identity. When it fails (a full disk), nothing of it is left, and the
     * same attempt can be claimed again.
     */
    public boolean claim(String taskId, int attempt) throws IOException {
        String key = key(taskId, attempt);
        Path tmp = dir.resolve(key + ".claim." + ProcessHandle.current().pid() + ".tmp");
        Files.deleteIfExists(tmp); // left by a claim of this process that failed half-way
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(tmp, StateFile.CLAIM_LINE, StandardCharsets.ISO_8859_1);
            Files.createLink(dir.resolve(key), tmp);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Removes the file of an attempt whose command never started (its launcher reported that it could
     * not start it, so nothing writes that file any more), so the attempt can be tried again; false when
     * the file stays.
     */
    public boolean discard(String taskId, int attempt) {
        try {
            Files.deleteIfExists(dir.resolve(key(taskId, attempt)));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Deletes the files of a task's attempts up to {@code attempt}, once its end is journaled. */
    public void delete(String taskId, int attempt) {
        for (int a = 0; a <= attempt; a++) {
            try {
                Files.deleteIfExists(dir.resolve(key(taskId, a)));
            } catch (IOException ignored) {
                // a leftover file is harmless: recovery sweeps the files of finished tasks
            }
        }
    }

    /** The attempt keys that have state files; recovery reads the directory once. */
    public Set<String> listKeys() throws IOException {
        Set<String> keys = new HashSet<>();
        if (!Files.isDirectory(dir)) {
            return keys;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (!name.endsWith(".tmp")) {
                    keys.add(name);
                }
            }
        }
        return keys;
    }

    public void deleteFile(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // see delete()
        }
    }

    /** Every file name in the directory, for sweeping. */
    public Set<Path> allFiles() throws IOException {
        Set<Path> files = new HashSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(files::add);
        }
        return files;
    }
}
