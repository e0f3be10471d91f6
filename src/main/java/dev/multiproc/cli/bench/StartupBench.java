package dev.multiproc.cli.bench;

import dev.multiproc.cli.SavedStatus;
import dev.multiproc.trace.StartupTrace;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How long the command line takes to answer, each command a new JVM as people type it: {@code --help},
 * {@code status} and {@code run} of one {@code true}, started as {@code java -jar multiproc.jar} and through
 * {@code bin/multiproc} (with the class-data-sharing archive) when the build made it; beside the JVM alone
 * ({@code java -version}) and GNU parallel running one {@code true}, interleaved in the same rounds. Every
 * multiproc command runs with {@link StartupTrace} on, which gives the breakdown of its phases. {@code status} is
 * measured four times: on a journal no host holds (it reads a private copy of the file), on the same journal unchanged
 * (the answer saved by the status before, {@link SavedStatus}), right after a run (the answer the run's host left as it
 * closed the journal), and on one a running host holds (the host answers over its status socket), as in a {@code
 * watch} loop beside a run.
 */
public final class StartupBench {
    /** One way of starting multiproc, or a peer; the median wall time of each command, in milliseconds. */
    public record Row(String name, Double version, Double help, Double status, Double statusAgain, Double statusAfterRun,
            Double statusHeld, Double run, Double parallel) {
    }

    /** The figures, and each command's phases (median milliseconds per phase) through the fastest way of starting. */
    public record Results(int rounds, List<Row> rows, String tracedWith, Map<String, Map<String, Double>> phases) {
    }

    private final Path jar;
    private final Path work;
    private final int rounds;
    private final PrintWriter progress;

    public StartupBench(Path work, int rounds, PrintWriter progress) {
        this.jar = runningJar();
        this.work = work;
        this.rounds = rounds;
        this.progress = progress;
    }

    /** The jar this runs from; start-up is measured on the packaged command line only. */
    private static Path runningJar() {
        try {
            Path p = Path.of(StartupBench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!p.toString().endsWith(".jar")) {
                throw new IllegalStateException("start-up is measured on the packaged command line: run multiproc bench from "
                        + "target/multiproc.jar (mvn package), not from " + p);
            }
            return p;
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot tell which jar runs: " + e, e);
        }
    }

    public Results run() throws IOException, InterruptedException {
        Files.createDirectories(work);
        Path journal = work.resolve("startup-journal");
        Path one = Files.writeString(work.resolve("one.txt"), "true\n");
        String java = javaCommand();
        Map<String, List<String>> launchers = new LinkedHashMap<>();
        launchers.put("java -jar multiproc.jar", List.of(java, "-jar", jar.toString()));
        Path script = jar.resolveSibling("bin").resolve("multiproc");
        if (Files.isExecutable(script) && Files.isReadable(jar.resolveSibling("multiproc.jsa"))) {
            launchers.put("bin/multiproc (CDS archive)", List.of(script.toString()));
        }
        String traced = new ArrayList<>(launchers.keySet()).get(launchers.size() - 1);
        boolean parallel = Peers.onPath("parallel");
        // the journal exists before the first measured status
        time(launchers.get(traced), List.of("run", "--no-progress", "--journal", journal.toString(), "--name", "startup-warmup", one.toString()),
                null);
        Map<String, Map<String, List<Double>>> samples = new LinkedHashMap<>();
        Map<String, Map<String, List<Double>>> phases = new LinkedHashMap<>();
        try (HeldJournal held = HeldJournal.start(launchers.get(traced), work)) {
            measure(launchers, traced, parallel, journal, one, held.journal(), samples, phases);
        }
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, Map<String, List<Double>>> s : samples.entrySet()) {
            Map<String, List<Double>> m = s.getValue();
            rows.add(new Row(s.getKey(), median(m.get("version")), median(m.get("help")), median(m.get("status")),
                    median(m.get("statusAgain")), median(m.get("statusAfterRun")), median(m.get("statusHeld")), median(m.get("run")),
                    median(m.get("parallel"))));
        }
        Map<String, Map<String, Double>> phaseMedians = new LinkedHashMap<>();
        phases.forEach((command, byPhase) -> {
            Map<String, Double> medians = new LinkedHashMap<>();
            byPhase.forEach((phase, values) -> medians.put(phase, median(values)));
            phaseMedians.put(command, medians);
        });
        return new Results(rounds, rows, traced, phaseMedians);
    }

    private void measure(Map<String, List<String>> launchers, String traced, boolean parallel, Path journal, Path one, Path held,
            Map<String, Map<String, List<Double>>> samples, Map<String, Map<String, List<Double>>> phases)
            throws IOException, InterruptedException {
        String java = javaCommand();
        for (int round = 0; round < rounds; round++) {
            progress.printf(Locale.ROOT, "bench: start-up round %d of %d%n", round + 1, rounds);
            progress.flush();
            add(samples, "java -version", "version", time(List.of(java, "-version"), List.of(), null));
            if (parallel) {
                add(samples, "GNU parallel", "parallel", time(List.of("parallel", "--will-cite", ":::", "true"), List.of(), null));
            }
            for (Map.Entry<String, List<String>> l : launchers.entrySet()) {
                Map<String, List<Double>> p = l.getKey().equals(traced) ? phases.computeIfAbsent("--help", k -> new LinkedHashMap<>()) : null;
                add(samples, l.getKey(), "help", time(l.getValue(), List.of("--help"), p));
                Files.deleteIfExists(journal.resolve(SavedStatus.FILE)); // the first status after a change reads the journal
                p = l.getKey().equals(traced) ? phases.computeIfAbsent("status", k -> new LinkedHashMap<>()) : null;
                add(samples, l.getKey(), "status", time(l.getValue(), List.of("status", "--journal", journal.toString()), p));
                p = l.getKey().equals(traced) ? phases.computeIfAbsent("status, again", k -> new LinkedHashMap<>()) : null;
                add(samples, l.getKey(), "statusAgain", time(l.getValue(), List.of("status", "--journal", journal.toString()), p));
                p = l.getKey().equals(traced) ? phases.computeIfAbsent("status, a host holding the journal", k -> new LinkedHashMap<>()) : null;
                add(samples, l.getKey(), "statusHeld", time(l.getValue(), List.of("status", "--journal", held.toString()), p));
                p = l.getKey().equals(traced) ? phases.computeIfAbsent("run", k -> new LinkedHashMap<>()) : null;
                add(samples, l.getKey(), "run", time(l.getValue(), List.of("run", "--no-progress", "--journal", journal.toString(), "--name",
                        "startup-" + round, one.toString()), p));
                p = l.getKey().equals(traced) ? phases.computeIfAbsent("status, after a run", k -> new LinkedHashMap<>()) : null;
                add(samples, l.getKey(), "statusAfterRun", time(l.getValue(), List.of("status", "--journal", journal.toString()), p));
            }
        }
    }

    private static String javaCommand() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static void add(Map<String, Map<String, List<Double>>> samples, String row, String column, double ms) {
        samples.computeIfAbsent(row, k -> new LinkedHashMap<>()).computeIfAbsent(column, k -> new ArrayList<>()).add(ms);
    }

    /**
     * Runs one command to its end and returns its wall time in milliseconds; with {@code phases}, traced, and its
     * phases added there (with the JVM's exit: the wall time the phases do not account for).
     */
    private double time(List<String> launcher, List<String> args, Map<String, List<Double>> phases) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        long t0 = System.nanoTime();
        if (phases != null) {
            pb.environment().put(StartupTrace.ENV, Long.toString(System.currentTimeMillis()));
        }
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        double ms = (System.nanoTime() - t0) / 1e6;
        if (rc != 0) {
            throw new IllegalStateException("start-up bench: " + String.join(" ", command) + " failed (exit " + rc + "): " + err.strip());
        }
        if (phases != null) {
            double traced = 0;
            for (String line : err.split("\n")) {
                if (line.startsWith(StartupTrace.PREFIX)) {
                    String rest = line.substring(StartupTrace.PREFIX.length());
                    int space = rest.lastIndexOf(' ');
                    double v = Double.parseDouble(rest.substring(space + 1));
                    phases.computeIfAbsent(rest.substring(0, space), k -> new ArrayList<>()).add(v);
                    traced += v;
                }
            }
            phases.computeIfAbsent("JVM exit", k -> new ArrayList<>()).add(Math.max(0, ms - traced));
        }
        return ms;
    }

    private static Double median(List<Double> values) {
        if (values == null || values.isEmpty()) {
            return null;
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** The figures as a table, then the breakdown. */
    public static void print(PrintWriter out, Results r) {
        out.printf(Locale.ROOT, "start-up: wall time in ms, median of %d rounds, each command a new process%n", r.rounds());
        out.printf(Locale.ROOT, "  %-28s  %8s  %8s  %13s  %17s  %12s  %8s  %18s%n", "", "--help", "status", "status, again",
                "status, after run", "status, held", "run true", "alone");
        for (Row row : r.rows()) {
            Double alone = row.version() != null ? row.version() : row.parallel();
            String what = row.version() != null ? " (java -version)" : row.parallel() != null ? " (parallel ::: true)" : "";
            out.printf(Locale.ROOT, "  %-28s  %8s  %8s  %13s  %17s  %12s  %8s  %18s%n", row.name(), ms(row.help()), ms(row.status()),
                    ms(row.statusAgain()), ms(row.statusAfterRun()), ms(row.statusHeld()), ms(row.run()), alone == null ? "" : ms(alone) + what);
        }
        out.println("  (status: on a journal no host holds, read from a copy of its file; status, again: the same journal unchanged, "
                + "its saved answer; status, after run: the answer the run's host left as it closed the journal; status, held: on one "
                + "a running host holds, which the host answers over its status socket)");
        out.printf(Locale.ROOT, "start-up breakdown through %s, median ms per phase:%n", r.tracedWith());
        r.phases().forEach((command, phases) -> {
            StringBuilder line = new StringBuilder("  " + command + ":");
            phases.forEach((phase, ms) -> line.append(String.format(Locale.ROOT, " %s %s;", phase, ms(ms))));
            out.println(line.substring(0, line.length() - 1));
        });
    }

    private static String ms(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.0f", v);
    }
}
