package dev.multiproc.cli.bench;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.journal.H2TaskJournal;
import dev.multiproc.slurm.SlurmCommands;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * multiproc on Slurm beside plain Slurm commands doing the same, in one run, on the Slurm that {@code SLURM_CONF}
 * (or the machine's configuration) names: submitting an array, polling many active jobs, and tasks per second from
 * submit to end. The plain side is what a script would do: {@code sbatch}, then {@code squeue} every poll interval.
 */
public final class SlurmBench {
    /** What to measure: {@code arraySteps} for the array submit and the poll; {@code tasks} single jobs, and an array of as many, end to end. */
    public record Settings(int arraySteps, int tasks, int rounds, Duration pollInterval, Path workDir) {
    }

    /** One figure of multiproc and of plain Slurm commands; the ratio is multiproc's over plain's. */
    public record Pair(double multiproc, double plain) {
        public double ratio() {
            return multiproc / plain;
        }
    }

    /**
     * @param arraySubmitMs        until the array's steps have their Slurm ids journaled, beside one {@code sbatch --array}
     * @param arrayCallMs          until {@code submitArrayToBatchDistributor} returned (journaled, durable; sbatch follows)
     * @param pollMs               one poll of every active job: multiproc's squeue and its parsing, beside a plain squeue
     * @param pollFromMemoryUs     {@code getSubmittedOrRunning} of all of them, answered from memory
     * @param singlesPerSecond     {@code tasks} single jobs, submitted one by one, until the last ended
     * @param arrayStepsPerSecond  an array of {@code tasks} steps until the last ended
     */
    public record Results(int arraySteps, int tasks, Pair arraySubmitMs, double arrayCallMs, Pair pollMs, double pollFromMemoryUs,
            Pair singlesPerSecond, Pair arrayStepsPerSecond) {
    }

    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);
    private final Settings settings;
    private final PrintWriter log;
    private final SlurmCommands slurm = SlurmCommands.builder().build();

    public SlurmBench(Settings settings, PrintWriter log) {
        this.settings = settings;
        this.log = log;
    }

    /** Why Slurm cannot be benchmarked here, or null when {@code sinfo} answers. */
    public static String unreachable() {
        try {
            run(List.of("sinfo", "--noheader", "--format=%T"));
            return null;
        } catch (IOException | RuntimeException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    public Results run() throws Exception {
        Path journal = settings.workDir().resolve("slurm-journal");
        Bench.deleteTree(journal);
        try (MultiprocessDistributor d = MultiprocessDistributor.builder().clusterName("bench").journalDir(journal).cluster("slurm")
                .slurmPollInterval(settings.pollInterval()).build()) {
            d.start();
            List<Double> mpSubmit = new ArrayList<>();
            List<Double> mpCall = new ArrayList<>();
            List<Double> plainSubmit = new ArrayList<>();
            double[] cold = arraySubmit(d); // warms the JIT and the journal up, as the local figures are measured warm
            say("array of %d steps, warm-up round (not counted): multiproc %.0f ms (call %.0f ms)", settings.arraySteps(), cold[1], cold[0]);
            for (int round = 1; round <= settings.rounds(); round++) {
                double[] mp = arraySubmit(d);
                mpCall.add(mp[0]);
                mpSubmit.add(mp[1]);
                plainSubmit.add(plainArraySubmit());
                say("array of %d steps, round %d: multiproc %.0f ms (call %.0f ms), sbatch --array %.0f ms", settings.arraySteps(), round,
                        mp[1], mp[0], plainSubmit.get(round - 1));
            }
            Pair submit = new Pair(Bench.median(mpSubmit), Bench.median(plainSubmit));
            double[] poll = poll(d);
            Pair pollMs = new Pair(poll[0], poll[1]);
            say("poll of %d active jobs: multiproc's squeue %.0f ms, plain squeue %.0f ms; from memory %.1f us", settings.arraySteps(),
                    poll[0], poll[1], poll[2]);
            Pair singles = new Pair(singlesThroughMultiproc(d), plainSingles());
            say("%d single jobs end to end: multiproc %.1f/s, sbatch and squeue %.1f/s", settings.tasks(), singles.multiproc(),
                    singles.plain());
            Pair array = new Pair(arrayThroughMultiproc(d), plainArray());
            say("array of %d steps end to end: multiproc %.1f/s, sbatch and squeue %.1f/s", settings.tasks(), array.multiproc(),
                    array.plain());
            return new Results(settings.arraySteps(), settings.tasks(), submit, Bench.median(mpCall), pollMs, poll[2], singles, array);
        }
    }

    // ------------------------------------------------------------------ submitting an array

    /** {call ms, until every step's Slurm id is journaled ms}; then the array is cancelled. */
    private double[] arraySubmit(MultiprocessDistributor d) throws Exception {
        long t0 = System.nanoTime();
        Map<Integer, String> ids = d.submitArrayToBatchDistributor("sleep 600", "bench-array", Map.of(), settings.arraySteps());
        long t1 = System.nanoTime();
        awaitSlurmIds(d, ids.get(0));
        long t2 = System.nanoTime();
        endAll(d, List.copyOf(ids.values()));
        return new double[] {(t1 - t0) / 1e6, (t2 - t0) / 1e6};
    }

    private double plainArraySubmit() throws Exception {
        long t0 = System.nanoTime();
        String id = run(List.of("sbatch", "--parsable", "--job-name=bench-plain", "--output=/dev/null", "--array=0-"
                + (settings.arraySteps() - 1), "--wrap=sleep 600")).trim();
        long t1 = System.nanoTime();
        run(List.of("scancel", id));
        return (t1 - t0) / 1e6;
    }

    // ------------------------------------------------------------------ polling many active jobs

    /** {multiproc's squeue ms, plain squeue ms, getSubmittedOrRunning us}: medians, with an array of sleeping steps active. */
    private double[] poll(MultiprocessDistributor d) throws Exception {
        Map<Integer, String> ids = d.submitArrayToBatchDistributor("sleep 600", "bench-poll", Map.of(), settings.arraySteps());
        List<String> all = List.copyOf(ids.values());
        try {
            String arrayId = awaitSlurmIds(d, ids.get(0));
            List<Double> ours = new ArrayList<>();
            List<Double> plain = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                long t0 = System.nanoTime();
                int n = slurm.queue(List.of(arrayId)).size(); // what the host runs once per poll interval
                long t1 = System.nanoTime();
                run(List.of("squeue", "--noheader", "--array", "--jobs=" + arrayId));
                long t2 = System.nanoTime();
                if (n != settings.arraySteps()) {
                    throw new IllegalStateException("squeue showed " + n + " of the array's " + settings.arraySteps() + " steps");
                }
                ours.add((t1 - t0) / 1e6);
                plain.add((t2 - t1) / 1e6);
            }
            List<Double> memory = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                long t0 = System.nanoTime();
                d.getSubmittedOrRunning(all);
                memory.add((System.nanoTime() - t0) / 1e3);
            }
            return new double[] {Bench.median(ours), Bench.median(plain), Bench.median(memory)};
        } finally {
            endAll(d, all);
        }
    }

    // ------------------------------------------------------------------ end to end

    private double singlesThroughMultiproc(MultiprocessDistributor d) throws Exception {
        long t0 = System.nanoTime();
        for (int i = 0; i < settings.tasks(); i++) {
            d.submitToBatchDistributor("true", "bench-single", Map.of());
        }
        awaitIdle(d);
        return settings.tasks() / ((System.nanoTime() - t0) / 1e9);
    }

    private double plainSingles() throws Exception {
        long t0 = System.nanoTime();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < settings.tasks(); i++) {
            ids.add(run(List.of("sbatch", "--parsable", "--job-name=bench-plain", "--output=/dev/null", "--wrap=true")).trim());
        }
        awaitEnded(String.join(",", ids));
        return settings.tasks() / ((System.nanoTime() - t0) / 1e9);
    }

    private double arrayThroughMultiproc(MultiprocessDistributor d) throws Exception {
        long t0 = System.nanoTime();
        d.submitArrayToBatchDistributor("true", "bench-array", Map.of(), settings.tasks());
        awaitIdle(d);
        return settings.tasks() / ((System.nanoTime() - t0) / 1e9);
    }

    private double plainArray() throws Exception {
        long t0 = System.nanoTime();
        String id = run(List.of("sbatch", "--parsable", "--job-name=bench-plain", "--output=/dev/null", "--array=0-"
                + (settings.tasks() - 1), "--wrap=true")).trim();
        awaitEnded(id);
        return settings.tasks() / ((System.nanoTime() - t0) / 1e9);
    }

    /** A script's wait: one squeue of its jobs every poll interval, until none is pending, running or completing. */
    private void awaitEnded(String jobs) throws Exception {
        while (!run(List.of("squeue", "--noheader", "--array", "--states=PENDING,RUNNING,COMPLETING,CONFIGURING", "--jobs=" + jobs))
                .isBlank()) {
            Thread.sleep(settings.pollInterval().toMillis());
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Waits until every step of the array of {@code firstStepId} has its Slurm id journaled; returns the Slurm array id. */
    private String awaitSlurmIds(MultiprocessDistributor d, String firstStepId) throws InterruptedException {
        long jobId = Long.parseLong(firstStepId.substring(0, firstStepId.indexOf('_')));
        var jdbi = ((H2TaskJournal) d.engine().journal()).database().jdbi();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            d.engine().flushJournal();
            List<String> ids = jdbi.withHandle(h -> h.createQuery("SELECT slurm_job_id FROM task WHERE job_id = :j AND slurm_job_id IS NOT NULL")
                    .bind("j", jobId).mapTo(String.class).list());
            if (ids.size() == settings.arraySteps()) {
                return ids.get(0).substring(0, ids.get(0).indexOf('_'));
            }
            Thread.sleep(2);
        }
        throw new IllegalStateException("the array's Slurm ids were not journaled within 2 minutes");
    }

    private static void endAll(MultiprocessDistributor d, List<String> ids) throws InterruptedException {
        d.terminateTaskInstances(ids);
        awaitIdle(d);
    }

    private static void awaitIdle(MultiprocessDistributor d) throws InterruptedException {
        if (!d.engine().awaitIdle(Duration.ofMinutes(10))) {
            throw new IllegalStateException("the Slurm jobs did not end within 10 minutes");
        }
    }

    private void say(String format, Object... args) {
        log.printf(java.util.Locale.ROOT, "slurm: " + format + "%n", args);
        log.flush();
    }

    /** Runs a Slurm command as a script would; its standard output, or an IOException saying why it failed. */
    static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not end within " + COMMAND_TIMEOUT.toSeconds() + " s");
        }
        if (p.exitValue() != 0) {
            throw new IOException(command.get(0) + " failed (exit " + p.exitValue() + "): " + err);
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
