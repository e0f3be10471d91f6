package dev.multiproc.cli;

import dev.multiproc.worker.LogFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code multiproc logs ID}: a task's output. */
@Command(name = "logs", mixinStandardHelpOptions = true,
        description = "Prints what a task wrote to its standard output and standard error (when a log directory kept them).",
        footer = {"", "Example:", "  multiproc logs 17 --stderr"})
final class LogsCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The task's id, such as 17 or 18_3.")
    String id;

    @Option(names = "--stdout", description = "Only standard output.")
    boolean stdoutOnly;

    @Option(names = "--stderr", description = "Only standard error.")
    boolean stderrOnly;

    @Option(names = "--json", description = "Print JSON, for scripts.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        common.init();
        Map<String, Object> task;
        try (Connection c = JournalAccess.of(common, spec.commandLine().getErr()).reader()) {
            List<Map<String, Object>> rows = Queries.table(c, "SELECT t.task_id, j.name, j.stdout_path, j.stderr_path FROM task t "
                    + "JOIN job j ON j.job_id = t.job_id WHERE t.task_id = ?", id).records();
            if (rows.isEmpty()) {
                throw new IllegalArgumentException("no task " + id + " in the journal");
            }
            task = rows.get(0);
        }
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> logs = new LinkedHashMap<>();
        for (String type : List.of("stdout", "stderr")) {
            if ((type.equals("stdout") && stderrOnly) || (type.equals("stderr") && stdoutOnly)) {
                continue;
            }
            Object dir = task.get(type + "_path");
            if (dir == null) {
                logs.put(type, null);
                continue;
            }
            Path file = Path.of(LogFiles.path(type, dir.toString(), String.valueOf(task.get("name")), id));
            logs.put(type, read(file));
            logs.put(type + "_file", file.toString());
        }
        if (json) {
            out.println(Table.json(logs));
        } else {
            for (String type : List.of("stdout", "stderr")) {
                if (!logs.containsKey(type)) {
                    continue;
                }
                Object text = logs.get(type);
                if (text == null) {
                    out.println("== " + type + ": not kept (no log directory was configured for task " + id + ")");
                    continue;
                }
                if (!stdoutOnly && !stderrOnly) {
                    out.println("== " + type + " (" + logs.get(type + "_file") + ")");
                }
                out.print(text);
                if (!text.toString().isEmpty() && !text.toString().endsWith("\n")) {
                    out.println();
                }
            }
        }
        out.flush();
        return 0;
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
