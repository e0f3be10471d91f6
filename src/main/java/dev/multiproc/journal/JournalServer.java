package dev.multiproc.journal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import org.h2.engine.SysProperties;
import org.h2.tools.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * H2's TCP server for the journal of a running host, so that other processes ({@code multiproc status},
 * {@code sql}, {@code kill}) can read it while the host holds it. Off unless asked for; listens on the
 * loopback interface only; serves this one database, under a secret name, to users with the journal's
 * passwords; never creates databases. Its port is published in a 0600 file beside the journal.
 */
public final class JournalServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JournalServer.class);

    private final Server server;
    private final Path endpointFile;

    private JournalServer(Server server, Path endpointFile) {
        this.server = server;
        this.endpointFile = endpointFile;
    }

    /** Throws unless H2's servers would listen on 127.0.0.1 only: a host checks it before it starts anything. */
    public static void requireLoopbackOnly() {
        if (!"127.0.0.1".equals(SysProperties.BIND_ADDRESS)) {
            throw new JournalException("refusing to start the journal server: H2 would listen on "
                    + (SysProperties.BIND_ADDRESS == null ? "every interface" : SysProperties.BIND_ADDRESS)
                    + " (h2.bindAddress), not on 127.0.0.1 only");
        }
    }

    public static JournalServer start(Journal journal) {
        requireLoopbackOnly();
        JournalDirectory dir = journal.directory();
        Server server;
        try {
            // no -tcpAllowOthers: only local clients; -ifExists: clients can open nothing but this database
            server = Server.createTcpServer("-tcpPort", "0", "-ifExists", "-tcpDaemon", "-key", journal.credentials().serverKey(),
                    dir.databaseBase().toString()).start();
        } catch (SQLException e) {
            throw new JournalException("cannot start the journal server: " + e.getMessage(), e);
        }
        Path file = dir.serverFile();
        try {
            Properties p = new Properties();
            p.setProperty("port", Integer.toString(server.getPort()));
            p.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
            Path tmp = Files.createTempFile(dir.root(), "server", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (OutputStream out = Files.newOutputStream(tmp)) {
                p.store(out, "the loopback journal server of the host that holds this journal");
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            server.stop();
            throw new JournalException("cannot publish the journal server's port in " + file + ": " + e, e);
        }
        log.debug("journal server listening on 127.0.0.1:{}", server.getPort());
        return new JournalServer(server, file);
    }

    public int port() {
        return server.getPort();
    }

    /** The JDBC URL through which other processes reach the journal held by the host publishing {@code dir}. */
    public static Optional<String> url(JournalDirectory dir, JournalCredentials credentials) {
        String port = published(dir).getProperty("port");
        return port == null ? Optional.empty() : Optional.of("jdbc:h2:tcp://127.0.0.1:" + port + "/" + credentials.serverKey());
    }

    /**
     * The pid of the host that published the server in {@code dir}; empty when none did. A host killed
     * with SIGKILL leaves its file behind, so a reader compares this with the pid of the lock's holder.
     */
    public static OptionalLong publisher(JournalDirectory dir) {
        String pid = published(dir).getProperty("pid");
        try {
            return pid == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(pid.trim()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static Properties published(JournalDirectory dir) {
        Properties p = new Properties();
        try {
            p.load(new java.io.StringReader(Files.readString(dir.serverFile(), StandardCharsets.ISO_8859_1)));
        } catch (IOException e) {
            // not published (yet), or no longer
        }
        return p;
    }

    @Override
    public void close() {
        server.stop();
        try {
            Files.deleteIfExists(endpointFile);
        } catch (IOException e) {
            log.debug("cannot remove {}: {}", endpointFile, e.toString());
        }
    }
}
