package dev.multiproc.cli.bench;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.remote.RemoteDistributor;
import dev.multiproc.service.DistributorService;
import dev.multiproc.service.ServiceFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The service's API measured: a poll's round trip from Java (RemoteDistributor) and from Python (http.client, keep-alive),
 * submits per second over HTTP from one client and from eight, and an array submitted through the API, durable.
 */
public final class ServiceBench {

    /** Figures of one run; NaN where Python is not there. */
    public record Results(Bench.Latency javaPoll, Bench.Latency pythonPoll, double submitsPerSecondEmbedded, double submitsPerSecondOne,
            double submitsPerSecondEight, int arraySteps, double arrayMs) {
    }

    private static final String PYTHON_POLL = String.join("\n",
            "import http.client, json, sys, time",
            "url, token, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])",
            "host, port = url.split('//')[1].split(':')",
            "c = http.client.HTTPConnection(host, int(port))",
            "body = json.dumps({'distributor_ids': sys.argv[4].split(',')})",
            "h = {'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json'}",
            "times = []",
            "for i in range(calls + 200):",
            "    t0 = time.perf_counter_ns()",
            "    c.request('POST', '/v1/active', body, h)",
            "    r = c.getresponse(); r.read()",
            "    assert r.status == 200, r.status",
            "    if i >= 200: times.append((time.perf_counter_ns() - t0) / 1000)",
            "times.sort()",
            "print(times[len(times) // 2], times[int(len(times) * 0.99)])");

    private final Path dir;
    private final int calls;
    private final int arraySteps;
    private final PrintWriter log;

    public ServiceBench(Path dir, int calls, int arraySteps, PrintWriter log) {
        this.dir = dir;
        this.calls = calls;
        this.arraySteps = arraySteps;
        this.log = log;
    }

    public Results run() throws Exception {
        MultiprocessDistributor d = MultiprocessDistributor.builder().clusterName("bench").journalDir(dir).parallelism(8).build();
        try (DistributorService service = DistributorService.start(d, 0)) {
            RemoteDistributor client = RemoteDistributor.connect(dir);
            List<String> ids = new ArrayList<>(client.submitArrayToBatchDistributor("true", "poll", Map.of(), 100).values());
            log.println("bench: service API: poll round trips from Java...");
            log.flush();
            Bench.Latency javaPoll = latency(() -> client.getSubmittedOrRunning(ids));
            log.println("bench: service API: poll round trips from Python...");
            log.flush();
            Bench.Latency pythonPoll = python(service, ids);
            log.println("bench: service API: submits...");
            log.flush();
            double embedded = embeddedSubmitsPerSecond(d);
            double one = submitsPerSecond(1);
            double eight = submitsPerSecond(8);
            log.println("bench: service API: an array of " + arraySteps + " steps...");
            log.flush();
            long t0 = System.nanoTime();
            Map<Integer, String> array = client.submitArrayToBatchDistributor("true", "array", Map.of(), arraySteps);
            double arrayMs = (System.nanoTime() - t0) / 1e6;
            if (array.size() != arraySteps) {
                throw new IllegalStateException("the array came back with " + array.size() + " ids, not " + arraySteps);
            }
            d.stop();
            return new Results(javaPoll, pythonPoll, embedded, one, eight, arraySteps, arrayMs);
        } finally {
            d.close();
        }
    }

    private Bench.Latency latency(Runnable call) {
        for (int i = 0; i < Math.min(calls, 1000); i++) {
            call.run(); // warm up
        }
        long[] ns = new long[calls];
        for (int i = 0; i < calls; i++) {
            long t0 = System.nanoTime();
            call.run();
            ns[i] = System.nanoTime() - t0;
        }
        Arrays.sort(ns);
        return new Bench.Latency(ns[calls / 2] / 1e3, ns[(int) (calls * 0.99)] / 1e3, calls);
    }

    private Bench.Latency python(DistributorService service, List<String> ids) throws IOException, InterruptedException {
        ServiceFile.Entry e = ServiceFile.read(service.journalDir()).orElseThrow();
        Process p;
        try {
            p = new ProcessBuilder("python3", "-c", PYTHON_POLL, e.url(), e.token(), Integer.toString(calls), String.join(",", ids))
                    .redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            return new Bench.Latency(Double.NaN, Double.NaN, 0);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("the Python poll failed: " + out);
        }
        String[] f = out.split("\\s+");
        return new Bench.Latency(Double.parseDouble(f[0]), Double.parseDouble(f[1]), calls);
    }

    /** The same submits made in the service's own JVM, without HTTP: what the API costs on top. */
    private double embeddedSubmitsPerSecond(MultiprocessDistributor d) {
        int n = Math.max(1, calls / 2);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            d.submitToBatchDistributor("true", "submit", Map.of());
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    private double submitsPerSecond(int clients) throws Exception {
        int each = Math.max(1, calls / 2 / clients);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<RemoteDistributor> remotes = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                remotes.add(RemoteDistributor.connect(dir));
            }
            long t0 = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (RemoteDistributor r : remotes) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        r.submitToBatchDistributor("true", "submit", Map.of());
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            return clients * (double) each / ((System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdown();
        }
    }
}
