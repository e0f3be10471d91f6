package dev.multiproc.cli;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.journal.HostLock;
import dev.multiproc.journal.JournalDirectory;
import dev.multiproc.journal.SqlTaskJournal;
import org.jdbi.v3.core.Jdbi;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * A command-line host answers {@code status} itself, over a Unix socket in its journal directory
 * ({@value #FILE}, its owner's alone): {@code status} typed beside a running host, as in a {@code watch} loop,
 * then needs neither H2's client nor a database session of its own, a third of its time. The host renders the
 * status as {@code status} would ({@link StatusCommand#render}, on a connection of its own journal's pool: through its
 * journal server, each answer took a session of H2's server, 80 ms) and sends the exit status on the first line, then
 * what {@code status} prints. Whatever goes wrong on either side (no socket, one a killed host left, another
 * user's, a host that cannot answer) sends {@code status} its usual way: the socket only ever saves time.
 */
record StatusSocket(ServerSocketChannel server, Path path, JournalDirectory dir, Jdbi journal) implements AutoCloseable {
    static final String FILE = "status.sock";
    private static final String RETRY = "retry";
    private static final int MAX_REQUEST = 64;
    private static final long CLIENT_WAIT_MS = 10_000;

    private StatusSocket start() {
        Thread t = new Thread(this::serve, "multiproc-status-socket");
        t.setDaemon(true);
        t.start();
        return this;
    }

    /**
     * The socket of the host {@code d}, opened with {@code common}'s journal; empty where it answers nothing: a journal on
     * PostgreSQL, or a socket that cannot be made (a path over the 107 bytes a socket's may have).
     */
    static Optional<StatusSocket> open(CommonOptions common, MultiprocessDistributor d) {
        if (common.config().journalUrl() != null || !(d.engine().journal() instanceof SqlTaskJournal journal)) {
            return Optional.empty();
        }
        Path root = common.journalDir().toAbsolutePath().normalize();
        Path staging = null;
        try {
            // made in a private directory and moved into place once its owner's alone: nobody else ever reaches it
            staging = privateDirectory(root);
            Path made = staging.resolve(FILE);
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(made));
            try {
                Files.setPosixFilePermissions(made, PosixFilePermissions.fromString("rw-------"));
                Files.move(made, root.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException e) {
                server.close();
                throw e;
            }
            return Optional.of(new StatusSocket(server, root.resolve(FILE), JournalDirectory.existing(root), journal.store().jdbi()).start());
        } catch (IOException | RuntimeException e) {
            LoggerFactory.getLogger(StatusSocket.class).debug("status is not answered through a socket here: {}", e.toString());
            return Optional.empty();
        } finally {
            if (staging != null) {
                try {
                    Files.deleteIfExists(staging.resolve(FILE));
                    Files.deleteIfExists(staging);
                } catch (IOException e) {
                    // an empty private directory left behind
                }
            }
        }
    }

    /**
     * A new directory of this user's alone in {@code root}, named briefly ({@code .s} and 6 letters or digits): the
     * socket made in it must fit in 107 bytes, which {@code Files.createTempDirectory}'s 20-digit names cost 19 of
     * (a journal at /tmp/multiproc-bench&lt;19 digits&gt;/startup/startup-held-journal, 69 bytes, got no socket).
     */
    private static Path privateDirectory(Path root) throws IOException {
        java.util.Random random = new java.security.SecureRandom();
        for (int attempt = 0; ; attempt++) {
            StringBuilder name = new StringBuilder(".s");
            for (int i = 0; i < 6; i++) {
                name.append(Character.forDigit(random.nextInt(36), 36));
            }
            try {
                return Files.createDirectory(root.resolve(name.toString()),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt == 9) {
                    throw e;
                }
            }
        }
    }

    private void serve() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                Thread t = new Thread(() -> answer(client), "multiproc-status-answer");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void answer(SocketChannel client) {
        try (client) {
            String request = readRequest(client);
            boolean json = request.equals("status --json");
            String reply;
            if (!request.equals("status") && !json) {
                reply = RETRY + "\n";
            } else {
                reply = "0\n" + render(json);
            }
            ByteBuffer bytes = ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                client.write(bytes);
            }
        } catch (IOException | java.sql.SQLException | RuntimeException e) {
            // no answer: the client goes status's usual way, which reports a failure with its message
            LoggerFactory.getLogger(StatusSocket.class).debug("a status request failed: {}", e.toString());
        }
    }

    /** What {@code status} prints. */
    private String render(boolean json) throws java.sql.SQLException {
        StringWriter out = new StringWriter();
        String holder = HostLock.holder(dir).map(HostLock.Holder::description).orElse(null);
        journal.useHandle(h -> StatusCommand.render(h.getConnection(), dir.root().toString(), holder, json, new PrintWriter(out)));
        return out.toString();
    }

    private static String readRequest(SocketChannel client) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(MAX_REQUEST);
        while (in.hasRemaining()) {
            if (client.read(in) < 0) {
                break;
            }
            if (in.position() > 0 && in.get(in.position() - 1) == '\n') {
                break;
            }
        }
        return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8).strip();
    }

    /**
     * Asks the host of the journal {@code root} for its status, and prints it to {@code out}; the exit status, or empty when
     * it must be asked the usual way.
     */
    static Optional<Integer> ask(Path root, boolean json, PrintWriter out) {
        Path socket = root.resolve(FILE);
        if (!Files.exists(socket)) {
            return Optional.empty();
        }
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            Thread watchdog = new Thread(() -> {
                try {
                    Thread.sleep(CLIENT_WAIT_MS);
                    channel.close(); // a host that does not answer: the usual way
                } catch (InterruptedException | IOException e) {
                    // answered
                }
            }, "multiproc-status-wait");
            watchdog.setDaemon(true);
            watchdog.start();
            channel.write(ByteBuffer.wrap((json ? "status --json\n" : "status\n").getBytes(StandardCharsets.UTF_8)));
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            while (channel.read(buffer) >= 0) {
                reply.write(buffer.array(), 0, buffer.position());
                buffer.clear();
            }
            watchdog.interrupt();
            String text = reply.toString(StandardCharsets.UTF_8);
            int nl = text.indexOf('\n');
            if (nl < 0 || !text.substring(0, nl).equals("0")) {
                return Optional.empty();
            }
            out.print(text.substring(nl + 1));
            out.flush();
            return Optional.of(0);
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // a socket a killed host left, another user's, a host gone meanwhile
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LoggerFactory.getLogger(StatusSocket.class).debug("closing the status socket: {}", e.toString());
        }
    }
}
