package dev.multiproc.cli.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** The tools people would use instead, running the same workload: M times {@code sh -c CMD}, N at a time. */
final class Peers {
    private Peers() {
    }

    /** Tasks per second, and the CPU time the run took per task (the tool and every process it started), in microseconds. */
    record Run(double rate, double cpuUsPerTask) {
    }

    /** {@code xargs -P N sh -c CMD}: the practical limit of spawning and reaping processes here. */
    static Run xargs(int tasks, int jobs, String command, Path dir) throws IOException, InterruptedException {
        // the shell prints its own /proc stat once xargs has ended: its reaped children's CPU is xargs's and its tasks'
        Ran ran = shell(dir, "seq " + tasks + " | xargs -P " + jobs + " -I{} sh -c '" + command + "' >/dev/null; cat /proc/$$/stat");
        return new Run(tasks / ran.seconds(), CpuTime.parse(ran.out()).reapedChildrenTicks() * CpuTime.MICROS_PER_TICK / tasks);
    }

    /** GNU parallel with a job log (the journaling peer); NaN when it is not installed. */
    static double gnuParallel(int tasks, int jobs, String command, Path dir) throws IOException, InterruptedException {
        if (!onPath("parallel")) {
            return Double.NaN;
        }
        Path log = dir.resolve("parallel.joblog");
        Files.deleteIfExists(log);
        return tasks / shell(dir, "seq " + tasks + " | parallel --will-cite -j " + jobs + " --joblog " + log + " '" + command + "' >/dev/null")
                .seconds();
    }

    /** A plain JDK pool: N threads, each starting {@code sh -c CMD} with ProcessBuilder and waiting for it. No journal. */
    static double processBuilderPool(int tasks, int jobs, String command) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < jobs; i++) {
            Thread t = new Thread(() -> {
                while (next.getAndIncrement() < tasks) {
                    try {
                        Process p = new ProcessBuilder("sh", "-c", command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                        p.waitFor();
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        return tasks / ((System.nanoTime() - t0) / 1e9);
    }

    static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** What a peer's script printed, and how long it took. */
    private record Ran(double seconds, String out) {
    }

    private static Ran shell(Path dir, String script) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("sh", "-c", script).directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        int rc = p.waitFor();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (rc != 0) {
            throw new IllegalStateException("benchmark peer failed (exit " + rc + "): " + script);
        }
        return new Ran(seconds, out);
    }
}
