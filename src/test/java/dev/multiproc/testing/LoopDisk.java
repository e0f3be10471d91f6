package dev.multiproc.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An ext4 file system on a loop device backed by an image file, for power-cut tests. What the file
 * system has written to its device is in the image; what it holds only in memory is not. Mounted with
 * {@code data=writeback,commit=3600}, it writes file data to the device only when a program flushes it
 * ({@code fsync}) or when the kernel's writeback finds it older than {@code vm.dirty_expire_centisecs}
 * (30 s by default): a copy of the image taken within that time is what a power cut would leave.
 * Needs root and loop devices; without them the test is skipped.
 */
public final class LoopDisk implements AutoCloseable {
    private final Path image;
    private final Path mountPoint;
    private final String device;

    private LoopDisk(Path image, Path mountPoint, String device) {
        this.image = image;
        this.mountPoint = mountPoint;
        this.device = device;
    }

    /** Creates a {@code megabytes} ext4 image and mounts it on {@code mountPoint}. */
    public static LoopDisk create(Path image, Path mountPoint, int megabytes) throws IOException, InterruptedException {
        try (var f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            f.setLength((long) megabytes << 20);
        }
        Result mkfs = run("mkfs.ext4", "-q", "-F", image.toString());
        assumeTrue(mkfs.ok(), "mkfs.ext4 is needed for a power-cut test: " + mkfs.output());
        return attach(image, mountPoint, "data=writeback,commit=3600");
    }

    /** Mounts an image, such as a copy taken by {@link #imageAsAPowerCutLeavesIt}, on {@code mountPoint}. */
    public static LoopDisk attach(Path image, Path mountPoint, String options) throws IOException, InterruptedException {
        Files.createDirectories(mountPoint);
        Result loop = run("losetup", "--find", "--show", image.toString());
        assumeTrue(loop.ok(), "a loop device is needed for a power-cut test (root): " + loop.output());
        String device = loop.output().trim();
        Result mount = run("mount", "-t", "ext4", "-o", options, device, mountPoint.toString());
        if (!mount.ok()) {
            run("losetup", "-d", device);
        }
        assumeTrue(mount.ok(), "mounting " + image + " failed: " + mount.output());
        return new LoopDisk(image, mountPoint, device);
    }

    public Path dir() {
        return mountPoint;
    }

    /**
     * Copies what the device holds now, once its queue is empty: the file system as it would come back
     * after a power cut at this moment. Stop every writer first.
     */
    public Path imageAsAPowerCutLeavesIt(Path copy) throws IOException, InterruptedException {
        Path inflight = Path.of("/sys/block", Path.of(device).getFileName().toString(), "inflight");
        for (int i = 0; i < 500 && Files.exists(inflight); i++) {
            String counts = Files.readString(inflight, StandardCharsets.US_ASCII).trim();
            if (counts.matches("0\\s+0")) {
                break;
            }
            Thread.sleep(10);
        }
        Files.copy(image, copy, StandardCopyOption.REPLACE_EXISTING);
        return copy;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run("umount", "-l", mountPoint.toString());
        run("losetup", "-d", device);
    }

    private record Result(boolean ok, String output) {
    }

    private static Result run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);
    }
}
