package dev.multiproc.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The PostgreSQL server the tests of the journal on PostgreSQL use: found through {@code MULTIPROC_POSTGRES_URL},
 * {@code MULTIPROC_POSTGRES_USER} and {@code MULTIPROC_POSTGRES_PASSWORD_FILE} (what {@code .ci/run} exports after
 * {@code .ci/postgres up}), else where {@code .ci/postgres up} puts its cluster by default. Where none answers, a
 * test is skipped with the reason, unless {@code MULTIPROC_POSTGRES_REQUIRED} is set (as {@code .ci/run} sets it):
 * then it fails. Each test takes a {@link Database} of its own.
 */
public final class PostgresServer {
    public static final String REQUIRED = "MULTIPROC_POSTGRES_REQUIRED";
    private static final String DEFAULT_DIR = "/tmp/multiproc-postgres";
    private static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:16832/postgres";
    private static final AtomicLong DATABASES = new AtomicLong();
    private static PostgresServer found;
    private static String missing;

    private final String adminUrl;
    private final String user;
    private final String password;

    private PostgresServer(String adminUrl, String user, String password) {
        this.adminUrl = adminUrl;
        this.user = user;
        this.password = password;
    }

    /** One database of the test server, dropped (with whatever still connects to it) when closed. */
    public record Database(String url, String user, String password, String name, PostgresServer server) implements AutoCloseable {

        /** The variables a host's JVM reads its credentials from. */
        public Map<String, String> environment() {
            return Map.of("MULTIPROC_JOURNAL_USER", user, "MULTIPROC_JOURNAL_PASSWORD", password);
        }

        public Connection connect() throws SQLException {
            return DriverManager.getConnection(url, user, password);
        }

        @Override
        public void close() {
            server.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    /** The running test server; skips the test (or fails it, where PostgreSQL is required) when there is none. */
    public static synchronized PostgresServer require() {
        if (found == null && missing == null) {
            probe();
        }
        if (found == null) {
            String why = "no PostgreSQL to test with: " + missing + ". Start a private one with `.ci/postgres up` (root, Debian 12)";
            if (System.getenv(REQUIRED) != null) {
                fail(why + "; " + REQUIRED + " is set, so PostgreSQL must be there");
            }
            assumeTrue(false, why);
        }
        return found;
    }

    /** A new, empty database of the server, named after the test. */
    public Database createDatabase(String purpose) {
        String name = ("mp_" + purpose.replaceAll("[^A-Za-z0-9]", "_") + "_" + ProcessHandle.current().pid() + "_"
                + DATABASES.incrementAndGet()).toLowerCase(java.util.Locale.ROOT);
        if (name.length() > 60) {
            name = "mp_" + name.substring(name.length() - 57);
        }
        execute("CREATE DATABASE " + name);
        String url = adminUrl.substring(0, adminUrl.lastIndexOf('/') + 1) + name;
        return new Database(url, user, password, name, this);
    }

    /**
     * A server of the test's own, made with {@code .ci/postgres up} in a directory and on a port of its own: for a test
     * that restarts its server, which would disturb the tests of the other test JVM on the shared one. Close it
     * to stop and remove it.
     */
    public static Private startPrivate() throws IOException, InterruptedException {
        require(); // skips, or fails where required, when there is no server to test with at all
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path dir = Path.of("/tmp/multiproc-postgres-test-" + ProcessHandle.current().pid() + "-" + port);
        Private p = new Private(dir, port);
        p.ctl("up");
        String password = Files.readString(dir.resolve("password")).strip();
        p.server = new PostgresServer("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "multiproc", password);
        return p;
    }

    /** A private server: its {@link #server()}, restarted with {@link #restart()}, removed by {@link #close()}. */
    public static final class Private implements AutoCloseable {
        private final Path dir;
        private final int port;
        private PostgresServer server;

        private Private(Path dir, int port) {
            this.dir = dir;
            this.port = port;
        }

        public PostgresServer server() {
            return server;
        }

        /** A fast shutdown (every connection dropped) and a start on the same cluster; returns once it answers. */
        public void restart() throws IOException, InterruptedException {
            ctl("restart");
        }

        /** Stops the server (a fast shutdown: every connection dropped), keeping its cluster for {@link #start()}. */
        public void stop() throws IOException, InterruptedException {
            ctl("stop");
        }

        public void start() throws IOException, InterruptedException {
            ctl("start");
        }

        @Override
        public void close() throws IOException, InterruptedException {
            ctl("down");
        }

        private void ctl(String what) throws IOException, InterruptedException {
            String ctl = System.getenv().getOrDefault("MULTIPROC_POSTGRES_CTL", Path.of(".ci/postgres").toAbsolutePath().toString());
            ProcessBuilder pb = new ProcessBuilder(ctl, what).redirectErrorStream(true);
            pb.environment().put("MULTIPROC_POSTGRES_DIR", dir.toString());
            pb.environment().put("MULTIPROC_POSTGRES_PORT", Integer.toString(port));
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(180, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("`" + ctl + " " + what + "` did not end within 180 s");
            }
            if (p.exitValue() != 0) {
                fail("`" + ctl + " " + what + "` failed: " + out);
            }
        }
    }

    private void execute(String sql) {
        try (Connection c = DriverManager.getConnection(adminUrl, user, password); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    private static void probe() {
        String url = System.getenv().getOrDefault("MULTIPROC_POSTGRES_URL", DEFAULT_URL);
        String user = System.getenv().getOrDefault("MULTIPROC_POSTGRES_USER", "multiproc");
        Path passwordFile = Path.of(System.getenv().getOrDefault("MULTIPROC_POSTGRES_PASSWORD_FILE", DEFAULT_DIR + "/password"));
        String password;
        try {
            password = Files.readString(passwordFile).strip();
        } catch (IOException e) {
            missing = "cannot read its password file " + passwordFile + " (" + e + ")";
            return;
        }
        try (Connection c = DriverManager.getConnection(url, user, password)) {
            found = new PostgresServer(url, user, password);
        } catch (SQLException e) {
            missing = "cannot connect to " + url + " as " + user + ": " + e.getMessage();
        }
    }
}
