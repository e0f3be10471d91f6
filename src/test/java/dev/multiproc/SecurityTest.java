package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.journal.JournalCredentials;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Nothing exposed: private files, no server unless asked for, no secrets where tasks or logs could see them. */
class SecurityTest extends JournalTest {

    @Test
    void everyJournalFileIsPrivateToItsOwner() throws Exception {
        try (MultiprocessDistributor d = Hosts.builder(journal(), 2).logDir(journal().resolve("logs")).build()) {
            d.start();
            d.submitToBatchDistributor("echo out; exit 1", "t", Map.of());
            d.submitArrayToBatchDistributor("echo $ARRAY_STEP_ID", "a", Map.of(), 3);
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)));
            assertPrivate(journal()); // while the host runs
        }
        assertPrivate(journal()); // and after
    }

    private static void assertPrivate(Path root) throws Exception {
        List<String> exposed = new ArrayList<>();
        try (var all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
                for (PosixFilePermission perm : perms) {
                    if (perm.name().startsWith("GROUP") || perm.name().startsWith("OTHERS")) {
                        exposed.add(p + " " + java.nio.file.attribute.PosixFilePermissions.toString(perms));
                        break;
                    }
                }
                if (Files.isDirectory(p)) {
                    assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(perms), p.toString());
                }
            }
        }
        assertEquals(List.of(), exposed, "readable by others");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(
                root.resolve("credentials"))));
    }

    @Test
    void noServerListensUnlessAskedFor() throws Exception {
        Set<String> before = listeningSocketsOfThisProcess();
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            d.submitToBatchDistributor("true", "t", Map.of());
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)));
            assertEquals(before, listeningSocketsOfThisProcess(), "the library started a server on its own");
            assertFalse(Files.exists(journal().resolve("server")));
        }
        try (MultiprocessDistributor d = Hosts.builder(journal(), 2).journalServer(true).build()) {
            Set<String> now = listeningSocketsOfThisProcess();
            now.removeAll(before);
            assertEquals(1, now.size(), "the journal server, when asked for: " + now);
            assertTrue(now.iterator().next().startsWith("0100007F:") || now.iterator().next().startsWith("0000000000000000FFFF00000100007F:"),
                    "on loopback only: " + now);
        }
    }

    /** "address:port" of the LISTEN sockets whose inodes this process holds. */
    private static Set<String> listeningSocketsOfThisProcess() throws Exception {
        Set<String> inodes = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (java.io.IOException e) {
                    // closed meanwhile
                }
            }
        }
        Set<String> listening = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[3].equals("0A") && inodes.contains(f[9])) {
                    listening.add(f[1]);
                }
            }
        }
        return listening;
    }

    @Test
    void theJournalsSecretsNeverReachATaskOrAFileItCanRead() throws Exception {
        try (MultiprocessDistributor d = Hosts.builder(journal(), 2).journalServer(true).logDir(tmp.resolve("logs")).build()) {
            d.start();
            d.submitToBatchDistributor("env > " + tmp + "/env; cat /proc/$PPID/environ | tr '\\0' '\\n' > " + tmp + "/launcher-env", "spy",
                    Map.of());
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)));
        }
        JournalCredentials secrets = JournalCredentials.load(journal().resolve("credentials"));
        List<Path> readable = new ArrayList<>(List.of(tmp.resolve("env"), tmp.resolve("launcher-env"), journal().resolve("agent.log")));
        try (var logs = Files.list(tmp.resolve("logs"))) {
            logs.forEach(readable::add);
        }
        for (Path p : readable) {
            String text = Files.readString(p);
            for (String secret : List.of(secrets.ownerPassword(), secrets.readerPassword(), secrets.serverKey())) {
                assertFalse(text.contains(secret), "a secret of the journal in " + p);
            }
        }
        assertTrue(Files.readString(tmp.resolve("env")).contains("JOB_ID="), "the environment was captured");
    }
}
