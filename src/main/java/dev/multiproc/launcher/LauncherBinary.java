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
 * content hash, so hosts of different versions never replace each other's running binary.
 */
public final class LauncherBinary {
    private static final String RESOURCE = "/dev/multiproc/agent/mpagent";

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
        Path target = binDir.resolve("mpagent-" + shortHash(bytes));
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

    private static String shortHash(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
