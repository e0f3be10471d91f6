package dev.multiproc.cli;

import dev.multiproc.journal.HostLock;
import dev.multiproc.journal.JournalCredentials;
import dev.multiproc.journal.JournalDirectory;
import dev.multiproc.journal.JournalServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Connections to a journal for the inspection commands, whether or not a host holds it: through the
 * host's loopback journal server when one does, straight to the file (read-only) when none does.
 * Inspection connects as the journal's read-only user; only {@code kill} connects as its owner.
 */
final class JournalAccess {
    private final JournalDirectory dir;
    private final JournalCredentials credentials;

    private JournalAccess(JournalDirectory dir, JournalCredentials credentials) {
        this.dir = dir;
        this.credentials = credentials;
    }

    static JournalAccess of(Path journalDir) {
        JournalDirectory dir = JournalDirectory.existing(journalDir);
        if (!Files.exists(dir.credentialsFile()) || !Files.exists(dir.databaseFile())) {
            throw new IllegalArgumentException("no journal at " + dir.root() + " (run something first, or point --journal at one)");
        }
        return new JournalAccess(dir, JournalCredentials.load(dir.credentialsFile()));
    }

    JournalDirectory directory() {
        return dir;
    }

    /** The host holding the journal, as its lock file describes it; empty when none does. */
    Optional<String> holder() {
        if (!HostLock.isHeld(dir)) {
            return Optional.empty();
        }
        try {
            String who = Files.readString(dir.lockFile(), StandardCharsets.UTF_8).trim();
            return Optional.of(who.isEmpty() ? "a host" : who);
        } catch (IOException e) {
            return Optional.of("a host");
        }
    }

    /** A read-only connection: the reader user may SELECT from the journal's tables and views, nothing else. */
    Connection reader() throws SQLException {
        return connect(JournalCredentials.READER, credentials.readerPassword(), true);
    }

    /** A connection as the journal's owner, only through a host's server: to leave it requests. */
    Optional<Connection> ownerViaServer() throws SQLException {
        Optional<String> url = holder().flatMap(h -> JournalServer.url(dir, credentials));
        if (url.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(DriverManager.getConnection(url.get(), JournalCredentials.OWNER, credentials.ownerPassword()));
    }

    private Connection connect(String user, String password, boolean readOnly) throws SQLException {
        for (int tries = 0; ; tries++) {
            Optional<String> holder = holder();
            if (holder.isPresent()) {
                String url = JournalServer.url(dir, credentials).orElseThrow(() -> notServed(holder.get()));
                return DriverManager.getConnection(url, user, password);
            }
            try {
                String mode = readOnly ? ";ACCESS_MODE_DATA=r" : "";
                return DriverManager.getConnection("jdbc:h2:file:" + dir.databaseBase() + mode + ";IFEXISTS=TRUE", user, password);
            } catch (SQLException e) {
                if (e.getErrorCode() != 90020 || tries >= 3) {
                    throw e;
                }
                // a host took the journal between our look and our open: go through its server
            }
        }
    }

    private IllegalStateException notServed(String holder) {
        return new IllegalStateException("the journal " + dir.root() + " is held by " + holder + ", which does not serve it to other "
                + "processes (journal_server: false); wait for it to end, or enable journal_server");
    }
}
