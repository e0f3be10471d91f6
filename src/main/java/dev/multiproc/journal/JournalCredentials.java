package dev.multiproc.journal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Properties;

/**
 * The passwords of one journal, generated when the journal is created and kept in a 0600 file
 * beside it. The owner of the database, a read-only reader (for {@code multiproc sql} and the other
 * inspection commands), and the secret name under which a journal server publishes the database.
 * They never appear in logs, in task environments, or in exception messages.
 */
public record JournalCredentials(String ownerPassword, String readerPassword, String serverKey) {
    public static final String OWNER = "MULTIPROC";
    public static final String READER = "READER";

    @Override
    public String toString() {
        return "JournalCredentials[redacted]";
    }

    /**
     * The journal's credentials, created when there are none. They are written whole or not at all (a
     * temporary file, flushed to the disk, renamed into place), so a host killed while it created them
     * leaves none. A file that is incomplete anyway (written by an older version) is replaced only if no
     * database was created with it.
     */
    static JournalCredentials loadOrCreate(Path file, boolean databaseExists) {
        if (Files.exists(file)) {
            try {
                return load(file);
            } catch (JournalException incomplete) {
                if (databaseExists) {
                    throw incomplete;
                }
            }
        }
        JournalCredentials fresh = new JournalCredentials(secret(), secret(), "mp" + secret().replace('-', 'x').replace('_', 'y'));
        Properties p = new Properties();
        p.setProperty("owner.password", fresh.ownerPassword);
        p.setProperty("reader.password", fresh.readerPassword);
        p.setProperty("server.key", fresh.serverKey);
        Path tmp = file.resolveSibling(file.getFileName() + ".new");
        try {
            Files.deleteIfExists(tmp);
            JournalDirectory.createPrivateFile(tmp);
            try (OutputStream out = Files.newOutputStream(tmp)) {
                p.store(out, "multiproc journal credentials: keep private (0600)");
            }
            try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                c.force(true); // the database is created with them: after a power cut, both or neither
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel d = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                d.force(true);
            }
            return fresh;
        } catch (IOException e) {
            throw new JournalException("cannot create the journal credentials " + file + ": " + e, e);
        }
    }

    public static JournalCredentials load(Path file) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new JournalException("cannot read the journal credentials " + file + ": " + e, e);
        }
        String owner = p.getProperty("owner.password");
        String reader = p.getProperty("reader.password");
        String key = p.getProperty("server.key");
        if (owner == null || reader == null || key == null) {
            throw new JournalException("the journal credentials " + file + " are incomplete");
        }
        return new JournalCredentials(owner, reader, key);
    }

    private static String secret() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
