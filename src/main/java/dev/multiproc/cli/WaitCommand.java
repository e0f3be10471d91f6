package dev.multiproc.cli;

import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.cluster.RemoteExitInfoNotAvailableException;
import dev.multiproc.remote.RemoteDistributor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code multiproc wait ID...}: waits for tasks of the journal's service to end and tells how each ended. */
@Command(name = "wait", mixinStandardHelpOptions = true,
        description = {"Waits until the tasks (ids as arguments, else one per line of standard input) are neither queued nor running "
                + "in the service that holds the journal, then prints how each ended: ID STATUS MESSAGE.",
                "Exits with the number of tasks that did not exit with code 0 (at most 101), or 124 when --timeout passed first."},
        footer = {"", "Examples:", "  multiproc wait 17 18_3", "  multiproc submit --array 10 -- ./step.sh | multiproc wait"})
final class WaitCommand implements Callable<Integer> {
    private static final int MAX_EXIT = 101;

    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "Task ids, such as 17 or 18_3 (default: read from standard input).")
    List<String> ids = new ArrayList<>();

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Give up after this long (such as 10m); default: wait as long as it takes.")
    String timeout;

    @Option(names = "--wait-for-service", paramLabel = "DURATION", description = "How long each call waits for a service that is down or starting (default 2m).")
    String patience = "2m";

    @Override
    public Integer call() throws Exception {
        common.init();
        Set<String> waiting = new LinkedHashSet<>(ids);
        if (waiting.isEmpty()) {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.isBlank()) {
                    waiting.add(line.trim());
                }
            }
        }
        if (waiting.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no task ids: give them as arguments or one per line on standard input");
        }
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + dev.multiproc.config.Durations.parse("--timeout", timeout).toNanos();
        PrintWriter out = spec.commandLine().getOut();
        Duration wait = dev.multiproc.config.Durations.parse("--wait-for-service", patience);
        try (RemoteDistributor d = RemoteDistributor.connect(common.journalDir(), wait, Map.of())) {
            List<String> all = new ArrayList<>(waiting);
            long pauseMs = 20;
            while (!(waiting = d.getSubmittedOrRunning(new ArrayList<>(waiting))).isEmpty()) {
                if (System.nanoTime() > deadline) {
                    spec.commandLine().getErr().println("multiproc: " + waiting.size() + " tasks still queued or running after " + timeout);
                    return 124;
                }
                Thread.sleep(pauseMs);
                pauseMs = Math.min(500, pauseMs * 2);
            }
            int bad = 0;
            for (String id : all) {
                try {
                    RemoteExitInfo info = d.getRemoteExitInfo(id);
                    out.println(id + " " + info.status().code() + " " + info.message());
                    if (!info.message().equals("Process exited with code 0")) {
                        bad++;
                    }
                } catch (RemoteExitInfoNotAvailableException e) {
                    out.println(id + " ? " + e.getMessage());
                    bad++;
                }
            }
            out.flush();
            return Math.min(bad, MAX_EXIT);
        }
    }
}
