package dev.multiproc.service;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Where a journal's service listens, in {@code service.json} of the journal directory (0600), and the journal's
 * token in {@code service.token} (0600): made once, kept across restarts, so a client's token stays good when
 * the service comes back (on another port, maybe: a client that cannot connect reads the file again).
 */
public final class ServiceFile {
    public static final String NAME = "service.json";
    static final String TOKEN_NAME = "service.token";
    public static final int API_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** What service.json holds. */
    public record Entry(@JsonProperty("api_version") int apiVersion, @JsonProperty("url") String url, @JsonProperty("token") String token,
            @JsonProperty("pid") long pid, @JsonProperty("journal") String journal) {
    }

    private ServiceFile() {
    }

    public static Path of(Path journalDir) {
        return journalDir.resolve(NAME);
    }

    /** The entry of the service of {@code journalDir}, or empty when none wrote one (or it was removed). */
    public static Optional<Entry> read(Path journalDir) {
        Path file = of(journalDir);
        try {
            return Optional.of(JSON.readValue(Files.readAllBytes(file), Entry.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether the service the entry names is still alive (its process runs). */
    public static boolean alive(Entry entry) {
        return ProcessHandle.of(entry.pid()).map(ProcessHandle::isAlive).orElse(false);
    }

    static void write(Path journalDir, Entry entry) throws IOException {
        writePrivately(of(journalDir), JSON.writeValueAsBytes(entry));
    }

    static void remove(Path journalDir, long pid) throws IOException {
        Optional<Entry> current;
        try {
            current = read(journalDir);
        } catch (IllegalStateException e) {
            current = Optional.empty();
        }
        if (current.isPresent() && current.get().pid() == pid) {
            Files.deleteIfExists(of(journalDir));
        }
    }

    /** The journal's token: made on first use (32 random bytes, hex), then the same for every later service. */
    static String token(Path journalDir) throws IOException {
        Path file = journalDir.resolve(TOKEN_NAME);
        try {
            String token = Files.readString(file, StandardCharsets.US_ASCII).trim();
            if (token.matches("[0-9a-f]{64}")) {
                return token;
            }
        } catch (NoSuchFileException e) {
            // first service of this journal
        }
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        String token = HexFormat.of().formatHex(bytes);
        writePrivately(file, (token + "\n").getBytes(StandardCharsets.US_ASCII));
        return token;
    }

    /** Writes {@code content} to a 0600 file beside {@code file}, then renames it over {@code file}. */
    private static void writePrivately(Path file, byte[] content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            throw new IOException("cannot write " + file + ": another process writes it at the same time", e);
        }
        Files.write(tmp, content);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
