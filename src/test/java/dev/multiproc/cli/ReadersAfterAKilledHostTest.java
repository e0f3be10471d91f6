package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.multiproc.journal.Journal;
import dev.multiproc.journal.JournalDirectory;
import dev.multiproc.testing.Cli;
import dev.multiproc.testing.JournalTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A host killed with SIGKILL at random moments of a run: each time, {@code status} with no host shows the counts the
 * next host finds once it has opened (and, if the file lagged, repaired) the journal. The readers read a copy of the file
 * and bring it up to what was committed ({@code SnapshotCatchUp}); this is the end-to-end check with real kills.
 */
@Tag("slow") // a dozen JVMs, killed and started again
class ReadersAfterAKilledHostTest extends JournalTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LINES = 600;
    private static final int KILLS = 6;

    @Test
    void afterEachKillStatusShowsWhatTheNextHostFinds() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < LINES; i++) {
            lines.add("sleep 0.0" + (i % 5) + "; exit " + (i % 7 == 0 ? 1 : 0));
        }
        Path file = Files.write(tmp.resolve("many.txt"), lines);
        String journal = journal().toString();
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int ended = 0;
        for (int kill = 0; kill < KILLS; kill++) {
            Process host = Cli.start(tmp, "run", "--journal", journal, "-j", "4", "--no-progress", file.toString());
            int before = ended;
            await("the host to journal more ends (seed " + seed + ")", Duration.ofSeconds(120),
                    () -> !host.isAlive() || ended(counts(status(journal))) > before);
            Thread.sleep(random.nextInt(400)); // a random moment after that, not a wait for a condition
            host.destroyForcibly();
            host.waitFor();
            Map<String, Long> shown = counts(status(journal));
            Map<String, Long> found = countsOfTheNextHost();
            assertEquals(found, shown, "kill " + (kill + 1) + " (seed " + seed + "): status with no host against what the next host finds");
            ended = ended(found);
        }
        Cli.Result rest = Cli.run(tmp, "run", "--journal", journal, "-j", "4", "--no-progress", file.toString());
        Map<String, Long> last = counts(status(journal));
        assertEquals(LINES, ended(last), "every line ran to its end once the last run resumed: " + rest + last);
    }

    /** {@code status --json} of the journal, in a JVM of its own; "" when it could not run. */
    private String status(String journal) {
        try {
            return Cli.run(tmp, "status", "--json", "--journal", journal).out();
        } catch (java.io.IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static Map<String, Long> counts(String statusJson) {
        Map<String, Long> counts = new TreeMap<>();
        try {
            JsonNode node = JSON.readTree(statusJson).path("counts");
            node.fields().forEachRemaining(e -> counts.put(e.getKey(), e.getValue().asLong()));
        } catch (java.io.IOException e) {
            return Map.of();
        }
        return counts;
    }

    private static int ended(Map<String, Long> counts) {
        return (int) (counts.getOrDefault("done", 0L) + counts.getOrDefault("failed", 0L));
    }

    /** The counts by state as a host finds them once it has opened the journal: before its recovery changes any. */
    private Map<String, Long> countsOfTheNextHost() {
        try (Journal j = Journal.open(JournalDirectory.existing(journal()))) {
            return j.jdbi().withHandle(h -> {
                Map<String, Long> counts = new TreeMap<>();
                h.createQuery("SELECT state, COUNT(*) AS n FROM task GROUP BY state").mapToMap()
                        .forEach(r -> counts.put(String.valueOf(r.get("state")).toLowerCase(Locale.ROOT), ((Number) r.get("n")).longValue()));
                return counts;
            });
        }
    }
}
