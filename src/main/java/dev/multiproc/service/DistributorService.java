package dev.multiproc.service;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.core.Engine;
import dev.multiproc.core.JournalFarewell;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A journal's distributor served over HTTP on 127.0.0.1: {@code multiproc serve}, or a test's service in its own JVM.
 * It listens and writes {@code service.json} at once, answers 503 while the distributor recovers the journal, and on
 * {@link #close()} stops listening and leaves the journal as a killed host would not: running tasks go on under their
 * launchers (the next service reattaches them), queued ones stay queued.
 */
public final class DistributorService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DistributorService.class);
    /** Requests served at once; a client that sends slowly holds one for up to maxReqTime. Idle ones end after 30 s. */
    static final int THREADS = 64;
    /** How long {@link #close()} lets the requests under way finish before it drops their connections. */
    static final long STOP_WAIT_MS = 1_000;

    static {
        // the JDK's server waits for more of a small answer before sending it (Nagle): 50 ms a round trip without this
        System.setProperty("sun.net.httpserver.nodelay", "true");
        // a client that sends its request or reads its answer this slowly (seconds) loses its connection
        System.setProperty("sun.net.httpserver.maxReqTime", "60");
        System.setProperty("sun.net.httpserver.maxRspTime", "60");
    }

    private final MultiprocessDistributor distributor;
    private final HttpServer server;
    private final ExecutorService workers;
    private final Path journalDir;
    private final String url;
    private volatile boolean ready;
    private boolean closed;
    /** Requests being answered now: {@link #close()} lets them finish. */
    private final AtomicInteger answering = new AtomicInteger();
    private final Object noneAnswering = new Object();

    private DistributorService(MultiprocessDistributor distributor, HttpServer server, ExecutorService workers, Path journalDir) {
        this.distributor = distributor;
        this.server = server;
        this.workers = workers;
        this.journalDir = journalDir;
        this.url = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * Serves {@code distributor} (built, not started): binds {@code port} (0: the port the journal's last service
     * used if it is free, else any), writes service.json, then starts the distributor; answers 503 until it has.
     */
    public static DistributorService start(MultiprocessDistributor distributor, int port) throws IOException {
        Engine engine = distributor.engine();
        Path journalDir = engine.settings().journalDir().toAbsolutePath().normalize();
        String token = ServiceFile.token(journalDir);
        HttpServer server = bind(port, journalDir);
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor workers = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "multiproc-service-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        workers.allowCoreThreadTimeOut(true);
        DistributorService service = new DistributorService(distributor, server, workers, journalDir);
        ApiHandler api = new ApiHandler(token, () -> service.ready);
        long pid = ProcessHandle.current().pid();
        new ProtocolRoutes(engine, new ProtocolRoutes.Info(ServiceFile.API_VERSION, distributor.clusterName(), engine.settings().cluster(),
                distributor.workerNodeEntryPoint(), distributor.expectedJobmonVersion(), journalDir.toString(), pid)).addTo(api);
        server.setExecutor(workers);
        server.createContext("/", exchange -> service.answer(exchange, api));
        server.start();
        try {
            ServiceFile.write(journalDir, new ServiceFile.Entry(ServiceFile.API_VERSION, service.url, token, pid, journalDir.toString()));
            distributor.start();
        } catch (IOException | RuntimeException e) {
            service.close();
            throw e;
        }
        service.ready = true;
        log.info("serving journal {} at {}", journalDir, service.url);
        return service;
    }

    private static HttpServer bind(int port, Path journalDir) throws IOException {
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        if (port == 0) {
            int last = ServiceFile.read(journalDir).map(e -> portOf(e.url())).orElse(0);
            if (last > 0) {
                try {
                    return HttpServer.create(new InetSocketAddress(loopback, last), 128); // clients that kept the url reconnect at once
                } catch (IOException taken) {
                    log.info("port {} of the journal's last service is taken; listening on another", last);
                }
            }
        }
        return HttpServer.create(new InetSocketAddress(loopback, port), 128);
    }

    private static int portOf(String url) {
        try {
            return java.net.URI.create(url).getPort();
        } catch (IllegalArgumentException e) {
            return 0;
        }
    }

    public String url() {
        return url;
    }

    public Path journalDir() {
        return journalDir;
    }

    public MultiprocessDistributor distributor() {
        return distributor;
    }

    private void answer(HttpExchange exchange, HttpHandler api) throws IOException {
        answering.incrementAndGet();
        try {
            api.handle(exchange);
        } finally {
            if (answering.decrementAndGet() == 0) {
                synchronized (noneAnswering) {
                    noneAnswering.notifyAll();
                }
            }
        }
    }

    /** How many requests are being answered now. */
    int answering() {
        return answering.get();
    }

    private void awaitNoneAnswering(long ms) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        synchronized (noneAnswering) {
            long left;
            while (answering.get() > 0 && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(noneAnswering, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Stops listening, removes service.json and leaves the journal (see the class comment); idempotent. */
    @Override
    public void close() {
        close(null);
    }

    /** As {@link #close()}; {@code farewell} reads the journal as the service leaves it (see JournalFarewell). */
    public synchronized void close(JournalFarewell farewell) {
        if (closed) {
            return;
        }
        closed = true;
        ready = false; // what arrives from now on is answered 503 at once
        awaitNoneAnswering(STOP_WAIT_MS);
        server.stop(0); // Java 17's server waits the whole delay given here even when no request is under way (JDK-8304065)
        workers.shutdownNow();
        try {
            ServiceFile.remove(journalDir, ProcessHandle.current().pid());
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", ServiceFile.of(journalDir), e.toString());
        }
        distributor.engine().leave(true, farewell);
    }
}
