package dev.multiproc.testing;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.OrphanPolicy;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A workflow host in its own JVM, for crash tests: the test drives it through stdin and kills it with
 * SIGKILL whenever it likes. Every acknowledgement is printed only after the call returned.
 *
 * <pre>
 * args: JOURNAL_DIR PARALLELISM [reattach|kill [LOG_DIR|sync|nosync [slurm]]]
 * stdin: start | submit NAME CMD | burst N CMD | array N CMD | wait | close
 * stdout: READY, ACK ID..., STARTED, IDLE, CLOSED
 * </pre>
 */
public final class CrashHost {
    private CrashHost() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        MultiprocessDistributor.Builder b = Hosts.builder(Path.of(args[0]), Integer.parseInt(args[1]));
        if (args.length > 4 && args[4].equals("slurm")) {
            // the test Slurm, followed closely
            b.cluster("slurm").slurmPollInterval(Duration.ofMillis(200)).slurmEnvironment(SlurmCluster.require().environment());
        }
        MultiprocessDistributor d = b
                .orphanPolicy(args.length > 2 ? OrphanPolicy.valueOf(args[2].toUpperCase()) : OrphanPolicy.REATTACH)
                .syncCommits(!(args.length > 3 && args[3].equals("nosync")))
                .logDir(args.length > 3 && !args[3].equals("sync") && !args[3].equals("nosync") ? Path.of(args[3]) : null)
                .build();
        out.println("READY");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] w = line.split(" ", 3);
            switch (w[0]) {
                case "start" -> {
                    d.start();
                    out.println("STARTED");
                }
                case "submit" -> out.println("ACK " + d.submitToBatchDistributor(w[2], w[1], Map.of()));
                case "burst" -> {
                    for (int i = 0; i < Integer.parseInt(w[1]); i++) {
                        out.println("ACK " + d.submitToBatchDistributor(w[2], "burst", Map.of()));
                    }
                }
                case "array" -> out.println("ACK " + String.join(" ",
                        d.submitArrayToBatchDistributor(w[2], "array", Map.of(), Integer.parseInt(w[1])).values()));
                case "wait" -> {
                    d.engine().awaitIdle(Duration.ofMinutes(5));
                    out.println("IDLE");
                }
                case "close" -> {
                    d.close();
                    out.println("CLOSED");
                    return;
                }
                default -> out.println("ERROR unknown command " + w[0]);
            }
        }
    }
}
