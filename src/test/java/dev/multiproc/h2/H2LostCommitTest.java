package dev.multiproc.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upstream H2 bug behind lost journal commits, shown with plain H2 by {@link LostCommitReproducer}.
 *
 * <p>H2 2.5.x writes the file header without first pointing it at the chunk it just wrote into reused
 * space (its {@code RandomAccessStore.writeChunk} lost a {@code lastChunk = chunk} in commit 8492b8c2cf),
 * so a reopened file follows a stale chain and misses every commit since. 2.4.240, which multiproc
 * uses, has the assignment. The test of the known-bad version tells the day an H2 release fixes it:
 * set {@code h2.knownBad.version} in the pom to the new release; if it no longer loses commits, this
 * test fails and says so, and the pin can move.
 */
class H2LostCommitTest {
    @TempDir
    Path tmp;

    private static Path jar(String property) {
        Path jar = Path.of(System.getProperty(property, "")).toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), property + " names no jar: " + jar + " (Maven copies it in process-test-resources)");
        return jar;
    }

    @Test
    void thePinnedH2KeepsEveryReturnedCommitEvenWithoutRetention() throws Exception {
        Result r = reproduce(jar("h2.pinned.jar"), 150, ";RETENTION_TIME=0", null);
        assertEquals(0, r.lost(), "the pinned H2 lost returned commits: " + r.lines());
    }

    @Test
    @Tag("slow")
    void thePinnedH2KeepsEveryReturnedCommitOverThousands() throws Exception {
        assertEquals(0, reproduce(jar("h2.pinned.jar"), 2_000, "", null).lost());
        assertEquals(0, reproduce(jar("h2.pinned.jar"), 2_000, ";RETENTION_TIME=0", null).lost());
    }

    @Test
    void theKnownBadH2LosesReturnedCommitsAndItsOwnRecoveryModeFindsThem() throws Exception {
        Path kept = tmp.resolve("lost.mv.db");
        Result r = reproduce(jar("h2.knownBad.jar"), 60, ";RETENTION_TIME=0", kept);
        assertTrue(r.lost() > 0, "H2 " + r.version() + " no longer loses returned commits in " + r.commits() + " commits: if a "
                + "longer run agrees, the upstream bug is fixed and multiproc can move to that version (" + r.lines() + ")");
        int commit = r.firstKept();
        assertTrue(counter(kept) < commit, "the kept snapshot should miss commit " + commit);
        // the chunk is in the file: H2's recovery mode scans for it instead of trusting the header
        MVStore store = new MVStore.Builder().fileName(kept.toString()).recoveryMode().open();
        store.close();
        assertEquals(commit, counter(kept), "after H2's recovery mode the file holds every commit that had returned");
    }

    /** The counter a database file holds, opened read-only by the H2 on the class path. */
    private static long counter(Path file) throws Exception {
        String base = file.toString().substring(0, file.toString().length() - ".mv.db".length());
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + base + ";ACCESS_MODE_DATA=r;IFEXISTS=TRUE", "sa", "");
             ResultSet rs = c.createStatement().executeQuery("SELECT v FROM counter WHERE k = 1")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    record Result(int commits, int lost, String version, int firstKept, List<String> lines) {
    }

    /** Runs the reproducer in a JVM whose class path is the given H2 jar and the reproducer alone. */
    private Result reproduce(Path h2Jar, int commits, String settings, Path keep) throws Exception {
        Path classes = Path.of(LostCommitReproducer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> cmd = dev.multiproc.testing.Jvm.command("-cp", h2Jar + java.io.File.pathSeparator + classes,
                LostCommitReproducer.class.getName(), tmp.resolve("db-" + System.nanoTime()).toString(), Integer.toString(commits), settings);
        if (keep != null) {
            cmd.add(keep.toString());
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                lines.add(line);
            }
        }
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "the reproducer did not end");
        assertEquals(0, p.exitValue(), "the reproducer failed: " + lines);
        String done = lines.stream().filter(l -> l.startsWith("DONE ")).findFirst().orElseThrow(() -> new AssertionError(lines.toString()));
        int lost = Integer.parseInt(field(done, "lost"));
        String version = done.substring(done.indexOf("version=") + "version=".length());
        int kept = lines.stream().filter(l -> l.startsWith("KEPT ")).map(l -> Integer.parseInt(field(l, "commit"))).findFirst().orElse(-1);
        return new Result(commits, lost, version, kept, lines.size() > 20 ? lines.subList(lines.size() - 20, lines.size()) : lines);
    }

    private static String field(String line, String name) {
        for (String w : line.split(" ")) {
            if (w.startsWith(name + "=")) {
                return w.substring(name.length() + 1);
            }
        }
        throw new AssertionError("no " + name + " in " + line);
    }
}
