package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.journal.RepairReport;
import dev.multiproc.testing.HostProcess;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The journal of a host whose H2 loses commits it reported done (the known-bad version, see
 * {@code H2LostCommitTest}), as a {@code kill -9} after each acknowledgement would leave it: every copy
 * opens with every acknowledged submission, through H2's recovery mode or the redo log.
 */
@Tag("slow")
class JournalUnderALossyH2Test extends JournalTest {

    @Test
    void everyAcknowledgedSubmissionSurvivesAnH2ThatLosesReturnedCommits() throws Exception {
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            // H2 keeps this setting in the file; without retention the known-bad H2 loses commits within a few
            Hosts.jdbi(d).useHandle(h -> h.execute("SET RETENTION_TIME 0"));
        }
        Path badJar = Path.of(System.getProperty("h2.knownBad.jar"));
        String classPath = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(e -> e.matches(".*/h2-[0-9.]+\\.jar") ? badJar.toString() : e).collect(Collectors.joining(File.pathSeparator));
        List<String> acknowledged = new ArrayList<>();
        Map<RepairReport.Kind, Integer> repairs = new EnumMap<>(RepairReport.Kind.class);
        int intact = 0;
        try (HostProcess host = HostProcess.startWithClassPath(classPath, journal(), 2)) {
            for (int i = 0; i < 40; i++) {
                host.send("submit s" + i + " true");
                acknowledged.addAll(host.ack());
                Path snapshot = tmp.resolve("snapshot-" + i);
                Files.createDirectories(snapshot);
                for (String f : List.of("journal.mv.db", "journal.gen", "journal.redo", "credentials")) {
                    Files.copy(journal().resolve(f), snapshot.resolve(f));
                }
                try (MultiprocessDistributor d = Hosts.open(snapshot, 2)) {
                    var repair = d.engine().journal().repairAtOpen();
                    if (repair.isPresent()) {
                        assertTrue(repair.get().complete(), repair.get().details());
                        repairs.merge(repair.get().kind(), 1, Integer::sum);
                    } else {
                        intact++;
                    }
                    long present = Hosts.jdbi(d).withHandle(h -> h.createQuery(
                            "SELECT COUNT(*) FROM task WHERE task_id IN (<ids>)").bindList("ids", acknowledged).mapTo(Long.class).one());
                    assertEquals(acknowledged.size(), present, "snapshot " + i + " misses acknowledged submissions");
                }
            }
        }
        System.out.printf("JournalUnderALossyH2Test: %d copies intact, repaired: %s%n", intact, repairs);
        assertTrue(!repairs.isEmpty(), "no copy needed a repair: the known-bad H2 did not lose a commit, so this tested nothing");
    }
}
