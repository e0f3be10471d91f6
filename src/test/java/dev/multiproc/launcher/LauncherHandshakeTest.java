package dev.multiproc.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.multiproc.launcher.Launcher.LauncherException;
import dev.multiproc.testing.JournalTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The launcher's first line: the protocol version is checked, and the units it announces are used, not assumed. */
class LauncherHandshakeTest extends JournalTest {

    /** A program that answers the launcher's handshake with {@code hello}, then reads its requests until its input closes. */
    private Path fakeLauncher(String hello) throws Exception {
        Path fake = Files.writeString(tmp.resolve("fake-mpagent"), "#!/bin/sh\necho '" + hello + "'\nexec cat >/dev/null\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        return fake;
    }

    private static String getconf(String name) throws Exception {
        Process p = new ProcessBuilder("getconf", name).start();
        p.waitFor(10, TimeUnit.SECONDS);
        return new String(p.getInputStream().readAllBytes()).trim();
    }

    @Test
    void aLauncherOfAnotherProtocolVersionIsRefusedNamingBothVersions() throws Exception {
        Path fake = fakeLauncher("H 2 100 4");
        LauncherException e = assertThrows(LauncherException.class,
                () -> Launchers.start(fake, journal(), 1, Duration.ofMillis(100), new RecordedEvents()));
        assertEquals("the launcher " + fake + " speaks launcher protocol version 2, but this multiproc speaks version "
                + Handshake.PROTOCOL_VERSION + " only: use the mpagent built with this multiproc", e.getMessage());
        assertFalse(e.isTransient());
    }

    @Test
    void aMalformedHandshakeIsRefused() throws Exception {
        Path fake = fakeLauncher("H 3 many 4");
        LauncherException e = assertThrows(LauncherException.class,
                () -> Launchers.start(fake, journal(), 1, Duration.ofMillis(100), new RecordedEvents()));
        assertEquals("the launcher " + fake + " sent a malformed handshake: 'H 3 many 4'", e.getMessage());
    }

    @Test
    void clockTicksAndPageSizeComeFromTheLaunchersHandshake() throws Exception {
        try (Launcher real = Launchers.start(journal(), 1, Duration.ofMillis(100), new RecordedEvents())) {
            assertEquals(Long.parseLong(getconf("CLK_TCK")), real.clockTicksPerSecond());
            assertEquals(Long.parseLong(getconf("PAGESIZE")) / 1024, real.pageKb());
        }
        try (Launcher other = Launchers.start(fakeLauncher("H " + Handshake.PROTOCOL_VERSION + " 250 16"), journal(), 1,
                Duration.ofMillis(100), new RecordedEvents())) {
            assertEquals(250, other.clockTicksPerSecond(), "a kernel with CONFIG_HZ=250 and USER_HZ to match");
            assertEquals(16, other.pageKb(), "16 KiB pages (arm64)");
        }
    }
}
