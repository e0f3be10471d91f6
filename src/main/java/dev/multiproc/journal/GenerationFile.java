package dev.multiproc.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;

/**
 * The last journal generation known to be committed, kept outside the database.
 *
 * <p>H2 opens a database file whose tail is damaged or cut off as the last intact older version,
 * without an error, and then overwrites the file. Every journal commit bumps a generation inside the
 * database and then records it here, so the database can never be behind this file unless it lost
 * committed data; {@link Journal} checks that before H2 may write anything.
 */
final class GenerationFile implements AutoCloseable {
    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(Long.BYTES);

    private GenerationFile(FileChannel channel) {
        this.channel = channel;
    }

    static GenerationFile open(Path file) {
        try {
            JournalDirectory.createPrivateFile(file);
            return new GenerationFile(FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE));
        } catch (IOException e) {
            throw new JournalException("cannot open " + file + ": " + e, e);
        }
    }

    /** The recorded generation; empty when the file does not exist or was never written. */
    static OptionalLong read(Path file) {
        try {
            if (!Files.exists(file)) {
                return OptionalLong.empty();
            }
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length < Long.BYTES) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(ByteBuffer.wrap(bytes).getLong());
        } catch (IOException e) {
            throw new JournalException("cannot read " + file + ": " + e, e);
        }
    }

    /** Records a committed generation. A process kill keeps it: the write is in the kernel when this returns. */
    synchronized void record(long generation) throws IOException {
        buffer.clear();
        buffer.putLong(generation).flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer, buffer.position());
        }
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to release beyond the descriptor
        }
    }
}
