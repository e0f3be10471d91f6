package dev.multiproc.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * Lines from a channel, read with the channel's own read: a stream from {@code Channels.newInputStream}
 * holds the channel's blocking lock while it waits, which would hold up every write to a socket channel.
 */
final class ChannelLines {
    private final ReadableByteChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(1 << 16).flip();
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);

    ChannelLines(ReadableByteChannel channel) {
        this.channel = channel;
    }

    /** The next line without its newline; null at the end of input (a last line without newline is dropped: it is torn). */
    String readLine() throws IOException {
        while (true) {
            while (buffer.hasRemaining()) {
                byte b = buffer.get();
                if (b == '\n') {
                    String s = line.toString(StandardCharsets.UTF_8);
                    line.reset();
                    return s;
                }
                line.write(b);
            }
            buffer.clear();
            int n = channel.read(buffer);
            buffer.flip();
            if (n < 0) {
                return null;
            }
        }
    }
}
