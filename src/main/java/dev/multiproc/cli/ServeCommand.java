package dev.multiproc.cli;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.service.DistributorService;
import dev.multiproc.service.ServiceFile;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code multiproc serve}: the journal's distributor as a long-running service on 127.0.0.1, until SIGTERM or Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serves the distributor protocol of the journal over HTTP/JSON on 127.0.0.1 until SIGTERM or Ctrl-C, for "
                + "workflow hosts in any language (Jobmon's plugin, RemoteDistributor in Java, multiproc submit).",
                "Writes where it listens and the journal's token to service.json in the journal directory (0600). Stopping the service "
                        + "leaves the running tasks running; the next service on the journal reattaches them."},
        footer = {"", "Examples:", "  multiproc serve --journal /srv/multiproc -j 8", "  multiproc serve --cluster slurm"})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N", description = "Run at most N tasks at once (overrides parallelism).")
    Integer jobs;

    @Option(names = "--cluster", paramLabel = "local|slurm", description = "Run tasks as local processes or as Slurm jobs (overrides cluster).")
    String cluster;

    @Option(names = "--port", paramLabel = "PORT",
            description = "Listen on this port of 127.0.0.1 (default: the port of the journal's last service if free, else any).")
    int port;

    @Override
    public Integer call() throws Exception {
        common.init();
        if (jobs != null && jobs < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "-j must be at least 1, got " + jobs);
        }
        if (port < 0 || port > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--port must be 0 to 65535, got " + port);
        }
        MultiprocessDistributor.Builder builder = common.builder();
        if (jobs != null) {
            builder.parallelism(jobs);
        }
        if (cluster != null) {
            builder.cluster(cluster);
        }
        if (common.config().journalServer() == null) {
            builder.journalServer(true); // status, history, logs, kill and sql reach a served journal through it
        }
        HostMemory.bound();
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), sig -> stop.countDown());
        Signal.handle(new Signal("INT"), sig -> stop.countDown());
        PrintWriter err = spec.commandLine().getErr();
        MultiprocessDistributor d = builder.build();
        DistributorService service;
        try {
            service = DistributorService.start(d, port);
        } catch (RuntimeException | java.io.IOException e) {
            d.close();
            throw e;
        }
        StatusSocket socket = StatusSocket.open(common, d).orElse(null);
        try {
            err.println("multiproc: serving journal " + service.journalDir() + " at " + service.url() + " (address and token in "
                    + ServiceFile.of(service.journalDir()) + ")");
            err.flush();
            java.util.Optional<String> supplanted = java.util.Optional.empty();
            while (!stop.await(1, java.util.concurrent.TimeUnit.SECONDS) && supplanted.isEmpty()) {
                supplanted = d.engine().supplanted();
            }
            if (supplanted.isPresent()) {
                err.println("multiproc: error: " + supplanted.get()); // what runs is the other host's now: it reattaches to it
                err.flush();
                return 2;
            }
            err.println("multiproc: stopping; running tasks go on, and the next service on this journal reattaches them");
            err.flush();
        } finally {
            if (socket != null) {
                socket.close();
            }
            service.close(StatusLeftByHost.forJournal(common));
        }
        return 0;
    }
}
