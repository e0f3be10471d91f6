package dev.multiproc.journal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only record of every journal commit since the last verified checkpoint: the write
 * statements of the commit, with their parameters, under the commit's generation.
 *
 * <p>H2 can lose commits that it reported as done (see {@code LostCommitReproducer} in the tests); the
 * generation file notices, and this log puts them back: applied in order to the state the database
 * fell back to, its records give exactly the state that was committed. A record is appended by the
 * journal writer after H2's commit returns and before anyone is told; a kill in the middle of an append
 * leaves a torn last record, whose commit nobody was told of, and which the checksum drops.
 *
 * <p>The log starts after a <em>base</em> generation that was verified to be in the database file (by
 * opening the file and reading it). A checkpoint that verifies a later generation drops the records up
 * to it, so the log holds what H2 could still lose, not the whole history.
 *
 * <p>File format: an 8-byte magic, the base generation (8 bytes), the schema version the statements
 * are written for (a length and UTF-8), then records of
 * {@code [length:int][crc32c:int][generation:long][statements:int][statement...]}.
 */
final class RedoLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedoLog.class);
    private static final byte[] MAGIC = {'M', 'P', 'R', 'E', 'D', 'O', '0', '1'};
    private static final int HEADER_BYTES = MAGIC.length + Long.BYTES + Integer.BYTES;
    private static final int MAX_RECORD_BYTES = 512 << 20;

    /** One commit: its generation, and its record as read (its statements are decoded when asked for). */
    static final class Entry {
        private final long generation;
        private final byte[] bytes;
        private final int offset;
        private final int length;

        Entry(long generation, byte[] bytes, int offset, int length) {
            this.generation = generation;
            this.bytes = bytes;
            this.offset = offset;
            this.length = length;
        }

        long generation() {
            return generation;
        }

        /** The commit's write statements, in order. */
        List<RecordedStatement> statements() throws IOException {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, offset + Long.BYTES, length - Long.BYTES))) {
                int count = in.readInt();
                List<RecordedStatement> statements = new ArrayList<>(Math.max(0, Math.min(count, 1024)));
                for (int i = 0; i < count; i++) {
                    statements.add(RecordedStatement.readFrom(in));
                }
                return statements;
            }
        }

        /** The record as it is written in a log file. */
        ByteBuffer framed() {
            return frame(bytes, offset, length);
        }
    }

    /**
     * What a log file holds: the base it starts after, its intact records in order, and why reading
     * stopped early, if it did (a torn last record after a kill, or damage).
     */
    record Contents(long base, String schemaVersion, List<Entry> entries, String stoppedEarly) {
        static Contents none() {
            return new Contents(0, null, List.of(), null);
        }

        static Contents unreadable(String why) {
            return new Contents(0, null, List.of(), why);
        }

        long lastGeneration() {
            return entries.isEmpty() ? base : entries.get(entries.size() - 1).generation();
        }
    }

    private final Path file;
    private final String schemaVersion;
    private final boolean sync;
    private FileChannel channel;
    private long base;
    private long last;
    private String disabled;

    private RedoLog(Path file, String schemaVersion, boolean sync, FileChannel channel, long base) {
        this.file = file;
        this.schemaVersion = schemaVersion;
        this.sync = sync;
        this.channel = channel;
        this.base = base;
        this.last = base;
    }

    /**
     * Starts a new, empty log after {@code base}, replacing any log in {@code file}. Its records are
     * statements on the schema of Flyway version {@code schemaVersion}. With {@code sync}, each record
     * reaches the disk before {@link #append} returns.
     */
    static RedoLog create(Path file, long base, String schemaVersion, boolean sync) {
        try {
            return new RedoLog(file, schemaVersion, sync, replace(file, base, schemaVersion, List.of(), sync), base);
        } catch (IOException e) {
            throw new JournalException("cannot create the redo log " + file + ": " + e, e);
        }
    }

    /** Reads a log file; a missing or empty file holds nothing. Never throws for damage: it says where reading stopped. */
    static Contents read(Path file) {
        byte[] bytes;
        try {
            if (!Files.exists(file)) {
                return Contents.none();
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            return Contents.unreadable("cannot read " + file + ": " + e);
        }
        if (bytes.length < HEADER_BYTES) {
            return bytes.length == 0 ? Contents.none() : Contents.unreadable("its header is cut off");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        byte[] magic = new byte[MAGIC.length];
        in.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            return Contents.unreadable("it is not a multiproc redo log");
        }
        long base = in.getLong();
        int schemaLength = in.getInt();
        if (schemaLength < 0 || schemaLength > in.remaining() || schemaLength > 1024) {
            return Contents.unreadable("its header is damaged");
        }
        byte[] schema = new byte[schemaLength];
        in.get(schema);
        String schemaVersion = new String(schema, java.nio.charset.StandardCharsets.UTF_8);
        List<Entry> entries = new ArrayList<>();
        String stopped = null;
        long expected = base + 1;
        while (in.hasRemaining()) {
            int at = in.position();
            if (in.remaining() < 2 * Integer.BYTES) {
                stopped = "a torn record at byte " + at;
                break;
            }
            int length = in.getInt();
            int crc = in.getInt();
            if (length < Long.BYTES || length > in.remaining()) {
                stopped = "a torn record at byte " + at;
                break;
            }
            CRC32C check = new CRC32C();
            check.update(bytes, in.position(), length);
            if ((int) check.getValue() != crc) {
                stopped = "a record with a wrong checksum at byte " + at;
                break;
            }
            long generation = ByteBuffer.wrap(bytes, in.position(), Long.BYTES).getLong();
            if (generation != expected) {
                stopped = "record of generation " + generation + " where " + expected + " was expected, at byte " + at;
                break;
            }
            entries.add(new Entry(generation, bytes, in.position(), length));
            expected++;
            in.position(in.position() + length);
        }
        return new Contents(base, schemaVersion, entries, stopped);
    }

    /** Appends the commit of {@code generation}; the log must hold every generation before it since its base. */
    void append(long generation, List<RecordedStatement> statements) {
        if (disabled != null) {
            return;
        }
        if (generation != last + 1) {
            disable("commit " + generation + " follows " + last + " in the redo log");
            return;
        }
        try {
            byte[] payload = encode(generation, statements);
            ByteBuffer record = frame(payload, 0, payload.length);
            while (record.hasRemaining()) {
                channel.write(record);
            }
            if (sync) {
                channel.force(false);
            }
            last = generation;
        } catch (IOException | RuntimeException e) {
            disable("cannot append to " + file + ": " + e);
        }
    }

    /**
     * Drops the records up to {@code verified}, a generation now known to be in the database file.
     * Called by the journal writer between commits, like {@link #append}.
     */
    void checkpoint(long verified) {
        if (verified <= base) {
            return;
        }
        try {
            List<Entry> keep = new ArrayList<>();
            if (disabled == null && verified < last) {
                for (Entry e : read(file).entries()) {
                    if (e.generation() > verified) {
                        keep.add(e);
                    }
                }
            }
            FileChannel fresh = replace(file, verified, schemaVersion, keep, sync);
            channel.close();
            channel = fresh;
            base = verified;
            last = keep.isEmpty() ? verified : keep.get(keep.size() - 1).generation();
            if (disabled != null) {
                log.info("the redo log records commits again from generation {}", verified);
                disabled = null;
            }
        } catch (IOException e) {
            disable("cannot rewrite " + file + " at a checkpoint: " + e);
        }
    }

    /** Whether each record reaches the disk before {@link #append} returns. */
    boolean syncs() {
        return sync;
    }

    /** The generation the log starts after. */
    long base() {
        return base;
    }

    /** The size of the file in bytes; 0 if unknown. */
    long size() {
        try {
            return channel.size();
        } catch (IOException e) {
            return 0;
        }
    }

    /** Why the log stopped recording commits, or null while it records them. */
    String disabledBecause() {
        return disabled;
    }

    private void disable(String why) {
        disabled = why;
        log.warn("the redo log stops recording commits until the next checkpoint: {}", why);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }

    private static FileChannel replace(Path file, long base, String schemaVersion, List<Entry> entries, boolean sync) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".new");
        Files.deleteIfExists(tmp);
        JournalDirectory.createPrivateFile(tmp);
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            byte[] schema = schemaVersion.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES + schema.length).put(MAGIC).putLong(base).putInt(schema.length)
                    .put(schema).flip();
            while (header.hasRemaining()) {
                out.write(header);
            }
            for (Entry e : entries) {
                ByteBuffer record = e.framed();
                while (record.hasRemaining()) {
                    out.write(record);
                }
            }
            if (sync) {
                out.force(true);
            }
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (sync) {
            try (FileChannel directory = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                directory.force(true); // the rename itself
            }
        }
        return FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    /** A record as it is written: its length, its checksum, and the commit. */
    private static ByteBuffer frame(byte[] payload, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(payload, offset, length);
        return ByteBuffer.allocate(2 * Integer.BYTES + length).putInt(length).putInt((int) crc.getValue())
                .put(payload, offset, length).flip();
    }

    private static byte[] encode(long generation, List<RecordedStatement> statements) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(generation);
            out.writeInt(statements.size());
            for (RecordedStatement s : statements) {
                s.writeTo(out);
            }
        }
        if (bytes.size() > MAX_RECORD_BYTES) {
            throw new IOException("a commit of " + bytes.size() + " bytes is too large for the redo log");
        }
        return bytes.toByteArray();
    }
}
