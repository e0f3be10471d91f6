package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.journal.JournalCredentials;
import dev.multiproc.journal.JournalDirectory;
import dev.multiproc.journal.JournalServer;
import dev.multiproc.testing.Attacker;
import dev.multiproc.testing.HostileSql;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
            d.start(); // a host starts its server on a thread of its own: start() returns once it listens
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
        List<Path> readable = new ArrayList<>(List.of(tmp.resolve("env"), tmp.resolve("launcher-env"), journal().resolve("launcher.log")));
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

    @Test
    void theJournalsReaderRunsNoCodeAndTouchesNoFile() throws Exception {
        Path loot = tmp.resolve("loot");
        List<String> hostile = HostileSql.aimedAt(loot);
        JournalDirectory dir;
        JournalCredentials secrets;
        try (MultiprocessDistributor d = Hosts.builder(journal(), 1).journalServer(true).build()) {
            d.start();
            d.submitToBatchDistributor("true", "t", Map.of());
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)));
            dir = JournalDirectory.existing(journal());
            secrets = JournalCredentials.load(dir.credentialsFile());
            String served = JournalServer.url(dir, secrets).orElseThrow();
            assertEquals(List.of(), ranAsReader(served, secrets, hostile), "ran as the reader through the journal server");
            assertEquals(List.of(), ranAsReader(served + ";INIT=RUNSCRIPT FROM '" + loot.resolve(HostileSql.SCRIPT) + "'", secrets,
                    List.of("SELECT COUNT(*) FROM PWNED")), "ran a script on connecting through the journal server");
        }
        String file = "jdbc:h2:file:" + dir.databaseBase() + ";ACCESS_MODE_DATA=r;IFEXISTS=TRUE";
        assertEquals(List.of(), ranAsReader(file, secrets, hostile), "ran as the reader on the journal file");
        assertEquals(List.of(), HostileSql.spoils(loot), "files the reader wrote");
        try (Connection c = DriverManager.getConnection(file, JournalCredentials.READER, secrets.readerPassword());
             Statement s = c.createStatement()) {
            assertEquals(0, count(s, "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME IN ('PWNED', 'LT')"),
                    "tables the reader made");
            assertEquals(1, count(s, "SELECT COUNT(*) FROM task"), "the reader reads the journal");
        }
    }

    private static int count(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** The statements that ran without an error, each on a connection of its own as the journal's reader. */
    private static List<String> ranAsReader(String url, JournalCredentials secrets, List<String> statements) {
        List<String> ran = new ArrayList<>();
        for (String sql : statements) {
            try (Connection c = DriverManager.getConnection(url, JournalCredentials.READER, secrets.readerPassword());
                 Statement s = c.createStatement()) {
                s.execute(sql);
                ran.add(sql);
            } catch (SQLException e) {
                // refused: what we want
            }
        }
        return ran;
    }

    @Test
    void theJournalServerServesNobodyElse() throws Exception {
        Attacker.assumeAvailable();
        Path kit = tmp.resolve("attacker");
        Path h2 = Attacker.readableCopyOfJarOf(org.h2.Driver.class, kit);
        try (InputStream in = SecurityTest.class.getResourceAsStream("H2Attack.java")) {
            Files.copy(in, kit.resolve("H2Attack.java"));
        }
        Files.setPosixFilePermissions(kit.resolve("H2Attack.java"), PosixFilePermissions.fromString("rw-r--r--"));
        Path home = tmp.resolve("nobody-home");
        Files.createDirectories(home);
        Files.setOwner(home, home.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(Attacker.USER));
        Attacker.openPath(tmp, kit);
        Attacker.openPath(tmp, home);
        String own = home.resolve("somedb").toString();
        try (MultiprocessDistributor d = Hosts.builder(journal(), 1).journalServer(true).build()) {
            d.start();
            JournalDirectory dir = JournalDirectory.existing(journal());
            JournalCredentials secrets = JournalCredentials.load(dir.credentialsFile());
            String served = JournalServer.url(dir, secrets).orElseThrow();
            String server = "jdbc:h2:tcp://127.0.0.1:" + served.replaceAll(".*:(\\d+)/.*", "$1") + "/";
            Attacker.Result r = Attacker.run(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:-UsePerfData", "-Xmx64m",
                    "-cp", h2.toString(), kit.resolve("H2Attack.java").toString(), own,
                    server + own, "sa", "sa",                                         // nobody's own database, through root's server
                    server + "mem:mine", "sa", "sa",                                  // a new in-memory one
                    served, JournalCredentials.READER, "wrong-" + secrets.readerPassword(), // the journal, a wrong password
                    served, JournalCredentials.OWNER, "wrong-" + secrets.ownerPassword(),
                    served, JournalCredentials.READER, secrets.readerPassword());   // control: with the password, the way is open
            List<String> lines = r.out().lines().toList();
            assertEquals(6, lines.size(), r.toString());
            assertEquals("own database ready", lines.get(0), r.toString());
            for (String refused : lines.subList(1, 5)) {
                assertTrue(refused.startsWith("REFUSED ") && refused.contains(": 28000 "), "not refused as a wrong user or password: " + r);
            }
            assertEquals("CONNECTED " + served + " as READER", lines.get(5), "the control connection: " + r);
        }
    }

    /** H2 lets a user change its own password; a reader that did would lock every inspection command out until a host resets it. */
    @Test
    void aReaderPasswordChangedByTheReaderIsResetWhenAHostOpensTheJournal() throws Exception {
        try (MultiprocessDistributor d = Hosts.open(journal(), 1)) {
            d.start();
        }
        JournalCredentials credentials = JournalCredentials.load(journal().resolve("credentials"));
        String url = "jdbc:h2:file:" + journal().resolve("journal") + ";IFEXISTS=TRUE";
        try (Connection c = DriverManager.getConnection(url, JournalCredentials.READER, credentials.readerPassword());
             Statement s = c.createStatement()) {
            s.execute("SET PASSWORD 'changed-by-the-reader'");
        }
        try (MultiprocessDistributor d = Hosts.open(journal(), 1)) {
            d.start();
        }
        try (Connection c = DriverManager.getConnection(url + ";ACCESS_MODE_DATA=r", JournalCredentials.READER, credentials.readerPassword());
             ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM task_history")) {
            assertTrue(rs.next());
        }
    }
}
