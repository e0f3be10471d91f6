package dev.multiproc.cli.bench;

import dev.multiproc.cli.JvmFlags;
import dev.multiproc.remote.RemoteDistributor;
import dev.multiproc.service.ServiceFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The resident memory of a host, measured from outside: a {@code multiproc run} of many lines of {@code true}, and
 * a {@code multiproc serve} that runs arrays through its API until it holds that many tasks of history; each a JVM
 * of its own, started with the options of {@code bin/multiproc} ({@link JvmFlags#HOST}), its VmRSS sampled every
 * 100 ms from {@code /proc}; beside the tasks per second each achieved.
 */
public final class FootprintBench {
    /** Sizes: lines of the run, tasks of the service's history; 0 skips that part. */
    public record Settings(int runLines, int runJobs, int serviceTasks, int serviceJobs, Path workDir) {
    }

    /** One host's figures: resident memory at its peak and at the end, and its throughput. */
    public record Host(String what, int tasks, int jobs, long peakRssBytes, long endRssBytes, double tasksPerSecond) {
    }

    /** What the bench prints; a part skipped is null. */
    public record Results(List<String> jvmOptions, Host run, Host service) {
    }

    private static final int ARRAY = 50_000;
    private final Settings settings;
    private final PrintWriter log;

    public FootprintBench(Settings settings, PrintWriter log) {
        this.settings = settings;
        this.log = log;
    }

    public Results run() throws Exception {
        Files.createDirectories(settings.workDir());
        Host run = settings.runLines() > 0 ? bigRun() : null;
        Host service = settings.serviceTasks() > 0 ? service() : null;
        return new Results(JvmFlags.HOST, run, service);
    }

    /** {@code java} with the script's options and the class path of this JVM (the jar, or the build's classes), then {@code args}. */
    public static List<String> host(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JvmFlags.HOST);
        if (args.length > 0) {
            cmd.addAll(JvmFlags.compilersFor(args[0]));
            cmd.addAll(JvmFlags.recorderFor(args[0]));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.multiproc.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private Host bigRun() throws Exception {
        int lines = settings.runLines();
        Path dir = fresh("footprint-run");
        Path file = Files.write(dir.resolve("lines.txt"), Collections.nCopies(lines, "true"));
        say("footprint: a run of %,d lines of true at -j %d...", lines, settings.runJobs());
        Process p = start(dir, host("run", "--journal", dir.resolve("journal").toString(), "-j", Integer.toString(settings.runJobs()),
                "--no-progress", file.toString()));
        long t0 = System.nanoTime();
        try (ResidentMemory rss = ResidentMemory.watch(p.pid())) {
            if (!p.waitFor(2, TimeUnit.HOURS) || p.exitValue() != 0) {
                throw new IllegalStateException("the run failed: " + Files.readString(dir.resolve("err.txt")));
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            Host h = new Host("run", lines, settings.runJobs(), rss.peakBytes(), rss.lastBytes(), lines / seconds);
            say("  peak %.0f MiB, at its end %.0f MiB, %.0f tasks/s", mib(h.peakRssBytes()), mib(h.endRssBytes()), h.tasksPerSecond());
            return h;
        } finally {
            p.destroyForcibly();
        }
    }

    private Host service() throws Exception {
        int total = settings.serviceTasks();
        Path dir = fresh("footprint-service");
        Path journal = dir.resolve("journal");
        say("footprint: a service running %,d tasks in arrays of up to %,d, -j %d...", total, ARRAY, settings.serviceJobs());
        Process p = start(dir, host("serve", "--journal", journal.toString(), "-j", Integer.toString(settings.serviceJobs()), "--port", "0"));
        try (ResidentMemory rss = ResidentMemory.watch(p.pid())) {
            RemoteDistributor client = connect(journal, p, dir);
            long t0 = System.nanoTime();
            int done = 0;
            while (done < total) {
                int n = Math.min(ARRAY, total - done);
                List<String> ids = new ArrayList<>(client.submitArrayToBatchDistributor("true", "footprint", Map.of(), n).values());
                while (!client.getSubmittedOrRunning(ids).isEmpty()) {
                    Thread.sleep(200);
                }
                done += n;
                say("  %,d tasks of history: %.0f MiB resident now, peak %.0f MiB", done, mib(rss.lastBytes()), mib(rss.peakBytes()));
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            client.close();
            return new Host("service", total, settings.serviceJobs(), rss.peakBytes(), rss.lastBytes(), total / seconds);
        } finally {
            p.destroy(); // SIGTERM: the service stops as on Ctrl-C
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
            }
        }
    }

    private static RemoteDistributor connect(Path journal, Process p, Path dir) throws IOException, InterruptedException {
        long until = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (ServiceFile.read(journal).filter(ServiceFile::alive).isEmpty()) {
            if (!p.isAlive() || System.nanoTime() > until) {
                throw new IllegalStateException("the service did not start: " + Files.readString(dir.resolve("err.txt")));
            }
            Thread.sleep(100);
        }
        return RemoteDistributor.connect(journal);
    }

    private static Process start(Path dir, List<String> cmd) throws IOException {
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile()).start();
    }

    private Path fresh(String name) throws IOException {
        Path dir = settings.workDir().resolve(name);
        Bench.deleteTree(dir);
        return Files.createDirectories(dir);
    }

    private void say(String format, Object... args) {
        log.printf(format + "%n", args);
        log.flush();
    }

    static double mib(long bytes) {
        return bytes / 1048576.0;
    }
}
