package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * A large array's submit journals its job row and first steps; the journal writer writes the other steps' rows in
 * the commits after it (dev.multiproc.journal.ArrayFill). {@link CrashRecoveryTest} kills a host in the middle.
 */
class ArrayStepRowsTest extends JournalTest {
    private static final int STEPS = 20_000;

    @Test
    void everyStepGetsOneRowAndAStepEndedBeforeItsRowWasWrittenKeepsItsEnd() throws Exception {
        try (MultiprocessDistributor d = Hosts.open(journal(), 1)) {
            List<String> ids = new ArrayList<>(d.submitArrayToBatchDistributor("true", "big", Map.of(), STEPS).values());
            String last = ids.get(ids.size() - 1);
            d.terminateTaskInstances(List.of(last)); // journaled at once, long before the writer gets to the last step's row
            Jdbi jdbi = Hosts.jdbi(d);
            long job = Long.parseLong(last.substring(0, last.indexOf('_')));
            await("the writer to catch up", () -> jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM array_fill").mapTo(Integer.class).one()) == 0);
            assertEquals(List.of((long) STEPS, (long) STEPS, 0L, (long) STEPS - 1), jdbi.withHandle(h -> h.createQuery(
                    "SELECT COUNT(*), COUNT(DISTINCT step), MIN(step), MAX(step) FROM task WHERE job_id = :job").bind("job", job)
                    .map((rs, ctx) -> List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4))).one()));
            assertEquals(List.of("TERMINATED"), jdbi.withHandle(h -> h.createQuery("SELECT state FROM task WHERE task_id = :id")
                    .bind("id", last).mapTo(String.class).list()));
            int queued = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM task WHERE job_id = :job AND state = 'QUEUED'")
                    .bind("job", job).mapTo(Integer.class).one());
            assertEquals(STEPS - 1, queued);
            d.engine().detach(); // leaves them queued: closing would journal the end of each (8 s for 50,000 here)
        }
    }
}
