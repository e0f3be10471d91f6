package dev.multiproc.journal;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;

/**
 * One host of each name per journal database: a session-level advisory lock on the name, held on a connection of its
 * own for as long as the host has the journal open. The server releases it when that connection ends, with the host's
 * process or its machine. The holder is named by its connection's application name. Two names whose hashes collide
 * would exclude each other: the refusal names the holder, and another name resolves it.
 */
final class PostgresHostLock implements AutoCloseable {
    /** The first half of the lock's key: "mpro" in ASCII; the second is the hash of the host's name. */
    static final int KEY_CLASS = 0x6d70726f;
    /** The key of the lock under which sessions and runs are numbered ("mprn", 0): apart from every host's. */
    static final int NUMBERING_KEY_CLASS = 0x6d70726e;
    /** The one key of the journal's lock in versions before named hosts: "mproc" in ASCII. */
    private static final long EARLIER_VERSIONS_KEY = 0x6d70726f63L;
    /** How long a lock is tried again: the server notices a killed host's connection gone a moment after the kill. */
    private static final long HOLDER_GONE_WAIT_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);

    /** How often {@link #ensureHeld} asks the server whether the lock's connection is still there. */
    private static final long CHECK_EVERY_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);

    private final PostgresJournalSettings settings;
    private final String host;
    private Connection connection;
    private long checkedAt = System.nanoTime();
    /** This host's session, once opened: a newer one of the same name means another host took over meanwhile. */
    private int session;
    private volatile String supplanted;

    private PostgresHostLock(PostgresJournalSettings settings, Connection connection, String host) {
        this.settings = settings;
        this.connection = connection;
        this.host = host;
    }

    /**
     * Before a journal write: the lock went with its connection when the server restarted or dropped it, and another host
     * of this name could then start. At most once a second this checks the connection, and takes the lock again on a new
     * one; when another host has taken it meanwhile, the write fails (and is retried, so this host journals nothing more)
     * rather than two hosts of one name writing.
     */
    synchronized void ensureHeld() {
        if (supplanted != null) {
            throw new JournalException(supplanted);
        }
        long now = System.nanoTime();
        if (now - checkedAt < CHECK_EVERY_NANOS) {
            return;
        }
        try {
            if (connection.isValid(5)) {
                checkedAt = now;
                return;
            }
        } catch (SQLException e) {
            // as lost: take it again below
        }
        closeQuietly(connection);
        PostgresHostLock again;
        try {
            again = acquire(settings, host, 0);
        } catch (NameTaken e) {
            if (e.byThisProcess) {
                throw e; // the server has not yet noticed that the lock's old connection broke: try again at the next write
            }
            supplanted = "while the journal's server had dropped the lock of host " + host + ", another host took it: " + e.getMessage()
                    + "; this host journals and starts nothing more: stop it";
            throw new JournalException(supplanted);
        }
        connection = again.connection;
        checkedAt = System.nanoTime();
        int newest = newestSession();
        if (newest > session && session > 0) {
            supplanted = "while the journal's server had dropped the lock of host " + host + ", another host of that name started "
                    + "(session " + newest + ", this one is " + session + ") and took over its tasks: this host journals and starts "
                    + "nothing more; stop it";
            closeQuietly(connection);
            throw new JournalException(supplanted);
        }
        org.slf4j.LoggerFactory.getLogger(PostgresHostLock.class).warn("the journal's server dropped the lock of host {} (it restarted, "
                + "or the connection broke): taken again", host);
    }

    /** After a failed write: the next {@link #ensureHeld} checks the lock's connection, however recently it did. */
    synchronized void checkAtNextWrite() {
        checkedAt = System.nanoTime() - CHECK_EVERY_NANOS;
    }

    /**
     * Why this host may no longer act for its name, once another host of the name took the lock while this one had lost it
     * (its queued tasks are that host's now): empty while the lock is this host's.
     */
    java.util.Optional<String> supplanted() {
        return java.util.Optional.ofNullable(supplanted);
    }

    /** The lock of a host's name is held by another session: of this process ({@code byThisProcess}), or another's. */
    static final class NameTaken extends JournalException {
        final boolean byThisProcess;

        NameTaken(String message, boolean byThisProcess) {
            super(message);
            this.byThisProcess = byThisProcess;
        }
    }

    /** The host's name this lock holds. */
    String host() {
        return host;
    }

    static PostgresHostLock acquire(PostgresJournalSettings settings, String host) {
        return acquire(settings, host, HOLDER_GONE_WAIT_NANOS);
    }

    private static PostgresHostLock acquire(PostgresJournalSettings settings, String host, long waitNanos) {
        Properties p = new Properties();
        p.setProperty("user", settings.user());
        if (settings.password() != null) {
            p.setProperty("password", settings.password());
        }
        p.setProperty("ApplicationName", applicationName(host));
        // the lock's connection idles for as long as the host runs: neither the server nor a firewall may end it for that
        p.setProperty("tcpKeepAlive", "true");
        Connection c = null;
        try {
            c = DriverManager.getConnection(settings.url(), p);
            neverIdleOut(c);
            long deadline = System.nanoTime() + waitNanos;
            while (!tryLock(c, host)) {
                if (System.nanoTime() > deadline) {
                    String holder = holder(c, host);
                    c.close();
                    throw new NameTaken("a host named " + host + " already runs on the journal " + settings.url() + " ("
                            + holder + "): one host of each name at a time; stop that one, or give this one another name (config host)",
                            holder.startsWith(applicationName(host) + " from "));
                }
                Thread.sleep(100);
            }
            if (!sharedWithEarlierVersions(c)) {
                c.close();
                throw new JournalException("a host of an earlier multiproc version (one host per journal) runs on the journal "
                        + settings.url() + ": stop it before hosts of this version share the journal");
            }
            return new PostgresHostLock(settings, c, host);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(c);
            throw new JournalException("interrupted while waiting for the journal on " + settings.url(), e);
        } catch (SQLException e) {
            closeQuietly(c);
            throw new JournalException("cannot connect to the journal on " + settings.url() + " as " + settings.user() + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Hosts of versions before named hosts held one exclusive lock on the whole journal ("mproc"): every host of this
     * version holds it shared, so that neither kind starts while the other runs.
     */
    private static boolean sharedWithEarlierVersions(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock_shared(?)")) {
            ps.setLong(1, EARLIER_VERSIONS_KEY);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** This host's session is {@code id}. */
    synchronized void sessionOpened(int id) {
        session = id;
    }

    private int newestSession() {
        try (PreparedStatement ps = connection.prepareStatement("SELECT COALESCE(MAX(session_id), 0) FROM host_session WHERE host = ?")) {
            ps.setString(1, host);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the sessions of host " + host + ": " + e.getMessage(), e);
        }
    }

    private static void neverIdleOut(Connection c) {
        try (java.sql.Statement s = c.createStatement()) {
            s.execute("SET idle_session_timeout = 0"); // PostgreSQL 14 and later; an older server has no such timeout
        } catch (SQLException e) {
            // an older server: nothing to turn off
        }
    }

    private static boolean tryLock(Connection c, String host) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?, hashtext(?))")) {
            ps.setInt(1, KEY_CLASS);
            ps.setString(2, host);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static String holder(Connection c, String host) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT a.application_name, a.client_addr FROM pg_locks l "
                + "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                + "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                + "AND l.classid = CAST(? AS bigint)::oid AND l.objid = (hashtext(?)::bigint & 4294967295)::oid AND l.objsubid = 2")) {
            ps.setLong(1, KEY_CLASS);
            ps.setString(2, host);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) + " from " + (rs.getString(2) == null ? "a local socket" : rs.getString(2))
                        : "it has just gone";
            }
        }
    }

    /** The application name of this process's lock connection for {@code host}: it names the holder in a refusal. */
    private static String applicationName(String host) {
        return "multiproc host " + host + " (pid " + ProcessHandle.current().pid() + " on " + SessionRow.machineName() + ")";
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the lock goes with the connection
            }
        }
    }

    @Override
    public synchronized void close() {
        closeQuietly(connection);
    }
}
