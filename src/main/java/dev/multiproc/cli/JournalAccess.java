package dev.multiproc.cli;

import dev.multiproc.journal.H2Settings;
import dev.multiproc.journal.HostLock;
import dev.multiproc.journal.JournalCredentials;
import dev.multiproc.journal.JournalDirectory;
import dev.multiproc.journal.JournalServer;
import dev.multiproc.journal.JournalSnapshot;
import dev.multiproc.journal.PostgresJournalSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/**
 * Connections to a journal for the inspection commands, whether or not a host holds it: through the
 * host's loopback journal server when one does, to a private copy of the file when none does (so that
 * a reader never keeps a host from starting). Inspection connects as the journal's read-only user;
 * only {@code kill} connects as its owner.
 */
final class JournalAccess {
    /** How long a reader waits for a host that holds the journal, and will serve it, to publish its server. */
    static final Duration STARTING_HOST_WAIT = Duration.ofSeconds(30);
    private static final long POLL_MS = 50;

    private final JournalDirectory dir;
    private final JournalCredentials credentials;
    private final PrintWriter notices;
    private final PostgresJournalSettings postgres;
    private boolean olderStateRead;

    private JournalAccess(JournalDirectory dir, JournalCredentials credentials, PrintWriter notices, PostgresJournalSettings postgres) {
        this.dir = dir;
        this.credentials = credentials;
        this.notices = notices;
        this.postgres = postgres;
    }

    /**
     * The journal of the configuration: on its PostgreSQL server ({@code journal_url}), else in the journal directory.
     * {@code notices}: where to say that the command waits for a starting host.
     */
    static JournalAccess of(CommonOptions common, PrintWriter notices) {
        String url = common.config().journalUrl();
        if (url == null) {
            return of(common.journalDir(), notices);
        }
        PostgresJournalSettings settings;
        try {
            settings = PostgresJournalSettings.resolve(url, common.config().journalCredentials(), System.getenv());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        // the history is on the server: this machine need not hold the journal directory of any host
        return new JournalAccess(JournalDirectory.existing(common.journalDir().toAbsolutePath().normalize()), null, notices, settings);
    }

    static JournalAccess of(Path journalDir, PrintWriter notices) {
        JournalDirectory dir = JournalLocation.existing(journalDir);
        return new JournalAccess(dir, JournalCredentials.load(dir.credentialsFile()), notices, null);
    }

    /** Whether the journal is the directory's H2 file (not a PostgreSQL server's). */
    boolean isFile() {
        return postgres == null;
    }

    JournalDirectory directory() {
        return dir;
    }

    /** The host holding the journal, as its lock file describes it; empty when none does. */
    Optional<String> holder() {
        return HostLock.holder(dir).map(HostLock.Holder::description);
    }

    /** A read-only connection: the reader user may SELECT from the journal's tables and views, nothing else. */
    Connection reader() throws SQLException {
        if (postgres != null) {
            // the server's roles decide what the configured user may read; the connection refuses writes
            Connection c = DriverManager.getConnection(postgres.url(), postgres.user(), postgres.password());
            c.setReadOnly(true);
            return c;
        }
        return connect(JournalCredentials.READER, credentials.readerPassword());
    }

    /** A connection as the journal's owner, only through a host's server: to leave it requests. */
    Optional<Connection> ownerViaServer() throws SQLException {
        if (postgres != null) {
            return Optional.of(DriverManager.getConnection(postgres.url(), postgres.user(), postgres.password()));
        }
        Optional<String> url = serverUrl();
        return url.isEmpty() ? Optional.empty()
                : Optional.of(H2Settings.connect(url.get(), JournalCredentials.OWNER, credentials.ownerPassword()));
    }

    private Connection connect(String user, String password) throws SQLException {
        while (true) {
            Optional<String> url = serverUrl();
            if (url.isPresent()) {
                try {
                    return H2Settings.connect(url.get(), user, password);
                } catch (SQLException e) {
                    if (HostLock.holder(dir).isPresent()) {
                        throw e;
                    }
                    continue; // the host left meanwhile: read the file
                }
            }
            Optional<Connection> copy = JournalSnapshot.open(dir, credentials, user, password, this::behind);
            if (copy.isPresent()) {
                return copy.get();
            }
            // a host took the journal while we copied it: go through its server
        }
    }

    /** Says that the copy read shows the journal as it was before its last commits, and why. */
    private void behind(String why) {
        olderStateRead = true;
        if (notices != null) {
            notices.println("multiproc: warning: " + why);
            notices.flush();
        }
    }

    /** Whether a connection given showed the journal as it was before its last commits ({@link #behind(String)}). */
    boolean readAnOlderState() {
        return olderStateRead;
    }

    /**
     * The URL of the server of the host that holds the journal; empty when no host holds it. A host that
     * is starting holds the journal before it serves it: wait for it to publish its server (a host killed
     * earlier may have left its file behind, naming another pid).
     */
    private Optional<String> serverUrl() {
        long start = System.nanoTime();
        boolean told = false;
        while (true) {
            Optional<HostLock.Holder> holder = HostLock.holder(dir);
            if (holder.isEmpty()) {
                return Optional.empty();
            }
            HostLock.Holder h = holder.get();
            if (h.serving().equals(Optional.of(false))) {
                throw new IllegalStateException("the journal " + dir.root() + " is held by " + h.description() + ", which does not serve "
                        + "it to other processes (journal_server: false); wait for it to end, or enable journal_server");
            }
            boolean published = h.pid().isEmpty() || h.pid().equals(boxed(JournalServer.publisher(dir)));
            Optional<String> url = published ? JournalServer.url(dir, credentials) : Optional.empty();
            if (url.isPresent()) {
                return url;
            }
            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            if (waited.compareTo(STARTING_HOST_WAIT) > 0) {
                throw new IllegalStateException("the journal " + dir.root() + " is held by " + h.description() + ", which has not "
                        + "published its journal server within " + STARTING_HOST_WAIT.toSeconds() + " s"
                        + (h.serving().isEmpty() ? " (it may be starting, or not serve the journal: journal_server: false)" : "")
                        + "; try again once it has started");
            }
            if (!told && notices != null && waited.toMillis() >= 1000) {
                notices.println("multiproc: the journal's host (" + h.description() + ") is starting; waiting for it to serve the journal");
                notices.flush();
                told = true;
            }
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the journal's host to start", e);
            }
        }
    }

    private static Optional<Long> boxed(java.util.OptionalLong v) {
        return v.isPresent() ? Optional.of(v.getAsLong()) : Optional.empty();
    }
}
