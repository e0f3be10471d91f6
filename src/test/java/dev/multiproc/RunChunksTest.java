package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A run longer than one journal commit's chunk of lines: every line journaled once, at the chunks' edges too. */
@Tag("slow") // four thousand processes
class RunChunksTest extends JournalTest {

    @Test
    void aRunOfMoreLinesThanOneChunkRunsEachLineOnce() throws Exception {
        int lines = 4096 + 3;
        List<String> commands = new ArrayList<>(lines);
        for (int i = 1; i <= lines; i++) {
            commands.add("exit " + (i % 7 == 0 ? 1 : 0));
        }
        try (MultiprocessDistributor d = Hosts.open(journal(), 4)) {
            d.start();
            var run = d.engine().startRun("long.txt", "/x/long.txt", commands, false);
            assertEquals(lines, run.waitFor().size());
            assertEquals(lines, new HashSet<>(run.waitFor()).size(), "an id given twice");
            assertTrue(d.engine().awaitIdle(Duration.ofMinutes(5)), "the run did not end");
            d.engine().journal().flush(); // ends are journaled in the background
            var counts = Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT COUNT(*), COUNT(DISTINCT j.line_no), MIN(j.line_no), "
                    + "MAX(j.line_no), SUM(CASE WHEN t.state = 'FAILED' THEN 1 ELSE 0 END) FROM task t JOIN job j ON j.job_id = t.job_id")
                    .map((rs, ctx) -> List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5))).one());
            assertEquals(List.of((long) lines, (long) lines, 1L, (long) lines, (long) (lines / 7)), counts,
                    "tasks, distinct lines, first line, last line, failed");
        }
    }
}
