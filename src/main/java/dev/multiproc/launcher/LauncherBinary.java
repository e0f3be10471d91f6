package dev.multiproc.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The launcher program, {@code mpagent}, built from {@code src/main/c} (see {@code mpagent.h}) and shipped in
 * the jar. It is installed into the journal's {@code bin} directory, under a name that carries its
 * content hash, so hosts of different versions never replace each other's running binary. The build records
 * that hash beside it ({@code mpagent.sha256}), so a start computes none; the installed copy is still
 * compared byte for byte with the bundled one before it is used.
 */
public final class LauncherBinary {
    private static final String RESOURCE = "/dev/multiproc/agent/mpagent";
    private static final String HASH_RESOURCE = RESOURCE + ".sha256";

    private LauncherBinary() {
    }

    /** Installs the bundled launcher into {@code binDir} (once per version) and returns its path. */
    public static Path install(Path binDir) {
        byte[] bytes;
        try (InputStream in = LauncherBinary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the launcher " + RESOURCE + " is missing from the classpath; "
                        + "build with `mvn package` (it needs a C compiler)");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the bundled launcher: " + e, e);
        }
        Path target = binDir.resolve(installedName(bytes));
        if (Files.isExecutable(target) && intact(target, bytes)) {
            return target;
        }
        try {
            Files.createDirectories(binDir);
            Path tmp = Files.createTempFile(binDir, "mpagent", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            try (var out = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    out.write(b);
                }
                out.force(true); // a power cut must not leave a binary of zeros under the right name
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new IllegalStateException("cannot install the launcher into " + binDir + ": " + e, e);
        }
    }

    /** Whether {@code file} holds exactly {@code bytes} (after a power cut it may hold zeros). */
    private static boolean intact(Path file, byte[] bytes) {
        try {
            return java.util.Arrays.equals(Files.readAllBytes(file), bytes);
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code mpagent-} and the first 12 hex digits of the SHA-256 of {@code bytes}, as the build recorded it. */
    static String installedName(byte[] bytes) {
        try (InputStream in = LauncherBinary.class.getResourceAsStream(HASH_RESOURCE)) {
            String recorded = in == null ? "" : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).strip();
            if (recorded.matches("[0-9a-f]{64}")) {
                return "mpagent-" + recorded.substring(0, 12);
            }
        } catch (IOException e) {
            // computed below
        }
        return "mpagent-" + sha256(bytes).substring(0, 12);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The launcher's bytes as shipped (for tests). */
    static byte[] bundled() throws IOException {
        try (InputStream in = LauncherBinary.class.getResourceAsStream(RESOURCE)) {
            return in.readAllBytes();
        }
    }
}
