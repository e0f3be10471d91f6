package dev.multiproc.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/** A client of a launcher's socket that sends requests and does not read the answers: it never holds up the launcher. */
final class SlowClient implements AutoCloseable {
    private final SocketChannel channel;

    SlowClient(Path socket) throws IOException {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        channel.configureBlocking(false);
    }

    /**
     * Sends {@code count} requests the launcher answers (op=slots, refused for a reattached client) and
     * reads nothing; returns how many went out before the launcher dropped the connection. Fails if the
     * launcher stops reading them for {@code timeout}: it would be stuck writing answers.
     */
    int sendWithoutReading(int count, Duration timeout) throws InterruptedException {
        byte[] one = Requests.of("op", "slots", "n", "1");
        ByteBuffer all = ByteBuffer.allocate(one.length * count);
        for (int i = 0; i < count; i++) {
            all.put(one);
        }
        all.flip();
        long stalledSince = System.nanoTime();
        while (all.hasRemaining()) {
            try {
                if (channel.write(all) > 0) {
                    stalledSince = System.nanoTime();
                } else if (System.nanoTime() - stalledSince > timeout.toNanos()) {
                    throw new AssertionError("the launcher stopped reading requests after " + all.position() / one.length);
                } else {
                    Thread.sleep(1);
                }
            } catch (IOException e) {
                break; // dropped
            }
        }
        return all.position() / one.length;
    }

    /** What the launcher sent, up to the end of the connection (or an error); fails if it does not end within {@code timeout}. */
    String readAll(Duration timeout) throws InterruptedException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(1 << 16);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int n;
            try {
                n = channel.read(b);
            } catch (IOException e) {
                break; // reset: the launcher closed while requests were unread
            }
            if (n < 0) {
                break;
            }
            if (n == 0) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the launcher never closed the connection");
                }
                Thread.sleep(1);
            }
            got.write(b.array(), 0, b.position());
            b.clear();
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
