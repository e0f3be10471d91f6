package dev.multiproc.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted for one test, to make a file system fill up for real. Mounting needs root: without
 * it the test is skipped (an assumption, with the reason).
 */
public final class Tmpfs implements AutoCloseable {
    private final Path dir;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs with {@code options} (say {@code size=4m} or {@code size=4m,nr_inodes=200}) on {@code dir}, created if missing. */
    public static Tmpfs mount(Path dir, String options) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString()).redirectErrorStream(true).start();
        boolean mounted = m.waitFor(10, TimeUnit.SECONDS) && m.exitValue() == 0;
        String why = new String(m.getInputStream().readAllBytes()).trim();
        assumeTrue(mounted, "mounting a tmpfs needs root (mount said: " + why + ")");
        return new Tmpfs(dir);
    }

    public Path dir() {
        return dir;
    }

    /** Writes zeros into {@code name} until the file system has no space left; returns the file. */
    public Path fillWith(String name) throws IOException, InterruptedException {
        Path ballast = dir.resolve(name);
        new ProcessBuilder("dd", "if=/dev/zero", "of=" + ballast, "bs=64k").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(60, TimeUnit.SECONDS);
        return ballast;
    }

    /** Creates empty files in {@code subdir} until no inode is left; returns that directory. */
    public Path useUpInodes(String subdir) throws IOException {
        Path d = Files.createDirectories(dir.resolve(subdir));
        for (int i = 0; ; i++) {
            try {
                Files.createFile(d.resolve("f" + i));
            } catch (IOException e) {
                return d;
            }
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        new ProcessBuilder("umount", "-l", dir.toString()).start().waitFor(10, TimeUnit.SECONDS);
    }
}
