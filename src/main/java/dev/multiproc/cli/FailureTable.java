package dev.multiproc.cli;

import dev.multiproc.journal.RunSummary;
import dev.multiproc.journal.TaskLogRow;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The failures under a run's summary line: a row for each of the first failed commands (line, task, state, its log
 * files, the message) and how to list the rest. A log file is named where it exists, relative to the working directory
 * when it is below it; "-" where there is none (output discarded, or the task never started).
 */
final class FailureTable {
    private static final List<String> HEADER = List.of("line", "task", "state", "stdout", "stderr", "message");

    private FailureTable() {
    }

    static void print(PrintWriter out, RunSummary summary, List<TaskLogRow> logs, String runName) {
        if (summary.failures().isEmpty()) {
            return;
        }
        Map<String, TaskLogRow> byTask = new HashMap<>();
        for (TaskLogRow row : logs) {
            byTask.put(row.taskId(), row);
        }
        Path here = Path.of("").toAbsolutePath();
        List<List<String>> rows = new ArrayList<>();
        rows.add(HEADER);
        for (RunSummary.Failure f : summary.failures()) {
            TaskLogRow task = byTask.get(f.taskId());
            rows.add(List.of(String.valueOf(f.lineNo()), f.taskId(), f.state().toLowerCase(Locale.ROOT), shown(task, "stdout", here),
                    shown(task, "stderr", here), f.message() == null ? "" : f.message()));
        }
        int[] width = new int[HEADER.size()];
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder(" ");
            for (int i = 0; i < row.size(); i++) {
                line.append(' ').append(row.get(i)).append(i < row.size() - 1 ? " ".repeat(width[i] - row.get(i).length() + 1) : "");
            }
            out.println(line.toString().stripTrailing());
        }
        if (summary.failed() > summary.failures().size()) {
            out.println("  ... and " + (summary.failed() - summary.failures().size()) + " more: multiproc history --run " + runName
                    + " --state failed,lost,error,terminated");
        }
    }

    private static String shown(TaskLogRow task, String type, Path here) {
        Path file = task == null ? null : GroupedOutput.logFile(task, type);
        if (file == null || !Files.exists(file)) {
            return "-";
        }
        Path absolute = file.toAbsolutePath().normalize();
        return absolute.startsWith(here) ? here.relativize(absolute).toString() : absolute.toString();
    }
}
