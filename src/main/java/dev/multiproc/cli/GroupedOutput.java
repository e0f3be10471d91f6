package dev.multiproc.cli;

import dev.multiproc.journal.TaskJournal;
import dev.multiproc.journal.TaskLogRow;
import dev.multiproc.worker.LogFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code run --output}: each finished task's standard output, then its standard error, printed whole and in the order
 * the tasks finished, so that no task's lines mix with another's (GNU parallel's {@code --group}). The bytes come
 * from the task's log files, a buffer at a time however large the files are; a missing last newline is added.
 */
final class GroupedOutput {
    private final TaskJournal journal;
    private final PrintStream out;
    private final PrintStream err;
    private final PrintWriter notes;
    private final byte[] buffer = new byte[64 * 1024];

    /** {@code notes} is where multiproc's own lines go (the run's stderr, as picocli writes it). */
    GroupedOutput(TaskJournal journal, PrintStream out, PrintStream err, PrintWriter notes) {
        this.journal = journal;
        this.out = out;
        this.err = err;
        this.notes = notes;
    }

    /** The log file of {@code type} ("stdout" or "stderr") of a task, or null when its output was discarded. */
    static Path logFile(TaskLogRow task, String type) {
        String dir = type.equals("stdout") ? task.stdoutPath() : task.stderrPath();
        return dir == null || dir.isEmpty() ? null : Path.of(LogFiles.path(type, dir, task.name(), task.taskId()));
    }

    /** Prints the output of these finished tasks, in this order, clear of the progress bar. */
    void print(List<String> finished, Progress progress) {
        if (finished.isEmpty()) {
            return;
        }
        Map<String, TaskLogRow> logs = new HashMap<>();
        for (TaskLogRow row : journal.taskLogs(finished)) {
            logs.put(row.taskId(), row);
        }
        notes.flush();
        progress.aside(() -> {
            for (String id : finished) {
                TaskLogRow task = logs.get(id);
                if (task != null) {
                    print(task);
                } else {
                    note("multiproc: task " + id + " has left the journal (history retention), and with it where its output is");
                }
            }
        });
    }

    private void print(TaskLogRow task) {
        Path stdout = logFile(task, "stdout");
        Path stderr = logFile(task, "stderr");
        if (stdout == null && stderr == null) {
            note("multiproc: the output of task " + task.taskId() + (task.lineNo() != null ? " (line " + task.lineNo() + ")" : "")
                    + " was not kept: no log directory when it was submitted");
            return;
        }
        copy(task, stdout, out);
        copy(task, stderr, err);
    }

    private void copy(TaskLogRow task, Path file, PrintStream to) {
        if (file == null) {
            return;
        }
        int last = '\n';
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                if (n > 0) {
                    to.write(buffer, 0, n);
                    last = buffer[n - 1];
                }
            }
        } catch (NoSuchFileException e) {
            // a task that never started has no log file
        } catch (IOException e) {
            note("multiproc: cannot read the output of task " + task.taskId() + " in " + file + ": " + Errors.describe(e));
        }
        if (last != '\n') {
            to.write('\n');
        }
        to.flush();
    }

    private void note(String line) {
        notes.println(line);
        notes.flush();
    }
}
