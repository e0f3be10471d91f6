package dev.multiproc.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The command line run by another Unix user ({@code nobody}, through {@code runuser}; the tests run as
 * root). That user cannot read the test classpath (under root's home), so it runs from a copy that
 * everyone may read, made once per test JVM.
 */
public final class OtherUser {
    public static final String NAME = "nobody";
    private static String classpath;

    private OtherUser() {
    }

    /** Whether this test can switch users: only root can. */
    public static boolean available() {
        return "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/sbin/runuser"));
    }

    /** Runs {@code multiproc ARGS} as {@link #NAME} in {@code dir} (give it absolute paths: it may not be able to read {@code dir}). */
    public static Cli.Result run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("/usr/sbin/runuser", "-u", NAME, "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classpath(), "-Xmx256m", "dev.multiproc.cli.Main"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, ".out-user", "");
        Path err = Files.createTempFile(dir, ".err-user", "");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        p.getOutputStream().close();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("multiproc " + String.join(" ", args) + " as " + NAME + " did not end");
        }
        return new Cli.Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static synchronized String classpath() throws IOException {
        if (classpath == null) {
            Path root = Files.createTempDirectory("multiproc-cp-", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwxr-xr-x")));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(root)));
            List<String> entries = new ArrayList<>();
            int i = 0;
            for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
                Path source = Path.of(entry);
                if (!Files.exists(source)) {
                    continue;
                }
                Path copy = root.resolve(i++ + "-" + source.getFileName());
                copyReadable(source, copy);
                entries.add(copy.toString());
            }
            classpath = String.join(java.io.File.pathSeparator, entries);
        }
        return classpath;
    }

    private static void copyReadable(Path source, Path target) throws IOException {
        try (Stream<Path> all = Files.walk(source)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path t = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                    Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rwxr-xr-x"));
                } else {
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(t, PosixFilePermissions.fromString(Files.isExecutable(p) ? "rwxr-xr-x" : "rw-r--r--"));
                }
            }
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> all = Files.walk(root)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // a temporary directory: the system's cleaning takes what is left
        }
    }
}
