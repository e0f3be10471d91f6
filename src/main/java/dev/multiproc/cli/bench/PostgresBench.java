package dev.multiproc.cli.bench;

import dev.multiproc.journal.PostgresJournalSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The figures of {@link Bench} that depend on the journal, measured again with the journal on a PostgreSQL server:
 * throughput at each parallelism, the large array submitted durably, and the poll with a long history. Each figure
 * gets a database of its own, created on the server the URL names (its user needs CREATEDB) and dropped afterwards,
 * so that no figure sees another's history.
 */
public final class PostgresBench {
    private static final String PREFIX = "jdbc:postgresql://";
    private static final AtomicInteger DATABASES = new AtomicInteger();

    /** The server's figures, as {@link Bench.Results} has H2's. */
    public record Results(String server, List<Bench.Throughput> throughput, double arraySubmitMs, int arraySteps, Bench.Latency poll,
            int activeTasks, int historyTasks) {
    }

    private interface Measurement<T> {
        T measure(Bench bench) throws Exception;
    }

    private final Bench.Settings settings;
    private final PostgresJournalSettings server;
    private final Path credentialsFile;
    private final PrintWriter log;

    /**
     * {@code server}: the URL and credentials as the product resolves them ({@link PostgresJournalSettings#resolve});
     * {@code credentialsFile}: the file they came from, or null when they came from the environment, which the
     * distributors measured then read too.
     */
    public PostgresBench(Bench.Settings settings, PostgresJournalSettings server, Path credentialsFile, PrintWriter log) {
        this.settings = new Bench.Settings(settings.tasks(), settings.jobs(), settings.rounds(), settings.warmup(), settings.command(),
                settings.arraySteps(), settings.historyTasks(), settings.activeTasks(), settings.pollCalls(), settings.recoveryTasks(),
                settings.heapTasks(), settings.heapHistory(), settings.workDir().resolve("postgres"));
        this.server = server;
        this.credentialsFile = credentialsFile;
        this.log = log;
    }

    public Results run() throws Exception {
        String version;
        try (Connection c = admin(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW server_version")) {
            version = rs.next() ? rs.getString(1) : "?";
        }
        String where = "PostgreSQL " + version + " at " + hosts(server.url());
        log.printf("on PostgreSQL (%s), a fresh database per figure:%n", where);
        log.flush();
        List<Bench.Throughput> throughput = new ArrayList<>();
        for (int jobs : settings.jobs()) {
            throughput.add(inFreshDatabase("throughput", b -> b.throughput(jobs)));
        }
        double array = inFreshDatabase("array", Bench::arraySubmit);
        Bench.Latency poll = inFreshDatabase("poll", Bench::poll);
        return new Results(where, throughput, array, settings.arraySteps(), poll, settings.activeTasks(), settings.historyTasks());
    }

    /** Runs one measurement with the journal in a new database of the server, dropped afterwards whatever happened. */
    private <T> T inFreshDatabase(String purpose, Measurement<T> measurement) throws Exception {
        String name = "multiproc_bench_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet() + "_" + purpose;
        execute("CREATE DATABASE " + name);
        Thread dropAtExit = new Thread(() -> drop(name), "drop " + name);
        Runtime.getRuntime().addShutdownHook(dropAtExit); // an interrupted bench leaves no database behind either
        try {
            String url = databaseUrl(server.url(), name);
            return measurement.measure(new Bench(settings, log, b -> b.journalUrl(url).journalCredentials(credentialsFile)));
        } finally {
            drop(name);
            try {
                Runtime.getRuntime().removeShutdownHook(dropAtExit);
            } catch (IllegalStateException exiting) {
                // the hook runs anyway: the database is gone already, and IF EXISTS makes that harmless
            }
        }
    }

    private void drop(String name) {
        try {
            // WITH (FORCE) (PostgreSQL 13 and later) ends a connection a distributor that failed to close left open
            execute("DROP DATABASE IF EXISTS " + name + (serverVersionNum() >= 130000 ? " WITH (FORCE)" : ""));
        } catch (SQLException e) {
            log.printf("could not drop the bench's database %s on %s: %s%n", name, server.url(), e.getMessage());
            log.flush();
        }
    }

    private int serverVersionNum() throws SQLException {
        try (Connection c = admin(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW server_version_num")) {
            return rs.next() ? Integer.parseInt(rs.getString(1)) : 0;
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = admin(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** A connection to the database the URL names, where the bench creates and drops its own. */
    private Connection admin() throws SQLException {
        return DriverManager.getConnection(server.url(), server.user(), server.password());
    }

    /** The URL with its database replaced by {@code database}, its host(s), port and parameters kept. */
    static String databaseUrl(String url, String database) {
        String rest = url.substring(PREFIX.length());
        int query = rest.indexOf('?');
        String params = query < 0 ? "" : rest.substring(query);
        String beforeQuery = query < 0 ? rest : rest.substring(0, query);
        int slash = beforeQuery.indexOf('/');
        String hosts = slash < 0 ? beforeQuery : beforeQuery.substring(0, slash);
        return PREFIX + hosts + "/" + database + params;
    }

    private static String hosts(String url) {
        String rest = url.substring(PREFIX.length());
        return rest.split("[/?]", 2)[0];
    }

    /** The PostgreSQL figures beside H2's, one line a figure. */
    public static void print(PrintWriter out, Bench.Results h2, Results pg) {
        out.printf(Locale.ROOT, "the journal on PostgreSQL (%s, a fresh database per figure) beside H2's, from this run:%n", pg.server());
        out.printf(Locale.ROOT, "  %-72s  %14s  %14s%n", "", "H2", "PostgreSQL");
        for (Bench.Throughput p : pg.throughput()) {
            Bench.Throughput h = h2 == null ? null : h2.throughput().stream().filter(t -> t.jobs() == p.jobs()).findFirst().orElse(null);
            out.printf(Locale.ROOT, "  %-72s  %14s  %14s%n", "throughput at N=" + p.jobs() + ", tasks/s (vs xargs -P in the same rounds)",
                    h == null ? "-" : String.format(Locale.ROOT, "%.0f (%.2fx)", h.multiproc(), h.ratio(h.multiproc())),
                    String.format(Locale.ROOT, "%.0f (%.2fx)", p.multiproc(), p.ratio(p.multiproc())));
        }
        out.printf(Locale.ROOT, "  %-72s  %14s  %14.0f%n", String.format(Locale.ROOT, "array of %d steps submitted, durable, ms", pg.arraySteps()),
                h2 == null ? "-" : String.format(Locale.ROOT, "%.0f", h2.arraySubmitMs()), pg.arraySubmitMs());
        String poll = String.format(Locale.ROOT, "getSubmittedOrRunning(null), %d active, %d finished", pg.activeTasks(), pg.historyTasks());
        out.printf(Locale.ROOT, "  %-72s  %14s  %14.1f%n", poll + ": median us", h2 == null ? "-"
                : String.format(Locale.ROOT, "%.1f", h2.poll().medianUs()), pg.poll().medianUs());
        out.printf(Locale.ROOT, "  %-72s  %14s  %14.1f%n", poll + ": p99 us", h2 == null ? "-"
                : String.format(Locale.ROOT, "%.1f", h2.poll().p99Us()), pg.poll().p99Us());
    }
}
