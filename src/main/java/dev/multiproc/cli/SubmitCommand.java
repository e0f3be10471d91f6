package dev.multiproc.cli;

import dev.multiproc.remote.RemoteDistributor;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code multiproc submit}: tasks for the service that holds the journal, from a shell script; prints their ids. */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = {"Submits a command (or each line of --file) to the service that holds the journal (multiproc serve) and "
                + "prints the id of each task, one per line. Returns once the submission is journaled.",
                "The tasks belong to the service: they run whether or not this command is still there. Wait for them with multiproc wait."},
        footer = {"", "Examples:", "  id=$(multiproc submit -- make -C /src test)",
                "  multiproc submit --array 100 -r cores=2 -r memory=4G -- ./step.sh '$ARRAY_STEP_ID' | multiproc wait",
                "  multiproc submit --file commands.txt"})
final class SubmitCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "COMMAND", description = "The command, run by /bin/sh (its words are joined with spaces).")
    List<String> words = new ArrayList<>();

    @Option(names = "--file", paramLabel = "FILE", description = "Submit each line of FILE (- for standard input) as a task; blank and # lines are skipped.")
    String file;

    @Option(names = "--array", paramLabel = "N", description = "Submit the command as an array of N steps; each sees ARRAY_STEP_ID 0..N-1.")
    Integer array;

    @Option(names = "--name", paramLabel = "NAME", description = "The tasks' name (default: submit).")
    String name = "submit";

    @Option(names = {"-r", "--resource"}, paramLabel = "KEY=VALUE",
            description = "A requested resource: cores, memory (such as 4G), runtime (such as 2h), queue, project, stdout, stderr.")
    Map<String, String> resources = new LinkedHashMap<>();

    @Option(names = "--wait-for-service", paramLabel = "DURATION", description = "How long to wait for a service that is down or starting (default 30s).")
    String patience = "30s";

    @Override
    public Integer call() throws Exception {
        common.init();
        if ((file == null) == words.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give either a COMMAND or --file FILE, not " + (file == null ? "neither" : "both"));
        }
        if (array != null && (array < 1 || file != null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), array < 1 ? "--array must be at least 1, got " + array
                    : "--array submits one command, not --file");
        }
        Duration wait = dev.multiproc.config.Durations.parse("--wait-for-service", patience);
        List<String> commands = file != null ? CommandFile.read(file, System.in) : List.of(String.join(" ", words));
        Map<String, Object> requested = new LinkedHashMap<>(resources);
        PrintWriter out = spec.commandLine().getOut();
        try (RemoteDistributor d = RemoteDistributor.connect(common.journalDir(), wait, Map.of())) {
            if (array != null) {
                d.submitArrayToBatchDistributor(commands.get(0), name, requested, array).values().forEach(out::println);
            } else {
                for (String command : commands) {
                    out.println(d.submitToBatchDistributor(command, name, requested));
                    out.flush();
                }
            }
        }
        out.flush();
        return 0;
    }
}
