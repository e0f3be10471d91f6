package dev.multiproc.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher is installed under its content hash, which the build records, and only ever used intact. */
class LauncherBinaryTest {
    @TempDir
    Path tmp;

    @Test
    void theRecordedHashIsTheBundledLaunchersSha256() throws Exception {
        byte[] bytes = LauncherBinary.bundled();
        assertEquals("mpagent-" + LauncherBinary.sha256(bytes).substring(0, 12), LauncherBinary.installedName(bytes));
        assertEquals(LauncherBinary.sha256(bytes), new String(
                LauncherBinary.class.getResourceAsStream("/dev/multiproc/agent/mpagent.sha256").readAllBytes()).strip());
    }

    @Test
    void anInstalledCopyThatDiffersIsReplacedBeforeUse() throws Exception {
        Path bin = tmp.resolve("bin");
        Path installed = LauncherBinary.install(bin);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(installed)));
        byte[] tampered = LauncherBinary.bundled();
        tampered[tampered.length / 2] ^= 1;
        Files.write(installed, tampered);
        assertEquals(installed, LauncherBinary.install(bin));
        assertArrayEquals(LauncherBinary.bundled(), Files.readAllBytes(installed));
        Files.write(installed, new byte[0]);
        LauncherBinary.install(bin);
        assertArrayEquals(LauncherBinary.bundled(), Files.readAllBytes(installed));
    }
}
