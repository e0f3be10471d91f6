package dev.multiproc.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Types;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The redo log's file: what it keeps, where it stops reading, and what a checkpoint drops. */
class RedoLogTest {
    @TempDir
    Path tmp;

    private static RecordedStatement insert(long id, String text) {
        return new RecordedStatement("INSERT INTO t (id, text, n) VALUES (?, ?, ?)",
                List.<Object[]>of(new Object[] {id, text, new RecordedStatement.Null(Types.INTEGER)}));
    }

    @Test
    void recordsReadBackInOrderWithTheirStatementsAndParameters() throws Exception {
        Path file = tmp.resolve("redo");
        try (RedoLog log = RedoLog.create(file, 7, "4", false)) {
            log.append(8, List.of(insert(1, "é ünïcode"), insert(2, "x".repeat(100_000))));
            log.append(9, List.of(new RecordedStatement("UPDATE t SET n = ?", List.of(new Object[] {3}, new Object[] {4}))));
        }
        RedoLog.Contents c = RedoLog.read(file);
        assertEquals(7, c.base());
        assertEquals("4", c.schemaVersion());
        assertNull(c.stoppedEarly());
        assertEquals(List.of(8L, 9L), c.entries().stream().map(RedoLog.Entry::generation).toList());
        List<RecordedStatement> first = c.entries().get(0).statements();
        assertEquals("INSERT INTO t (id, text, n) VALUES (?, ?, ?)", first.get(0).sql());
        assertArrayEquals(new Object[] {1L, "é ünïcode", new RecordedStatement.Null(Types.INTEGER)}, first.get(0).parameterSets().get(0));
        assertEquals(100_000, ((String) first.get(1).parameterSets().get(0)[1]).length());
        assertEquals(2, c.entries().get(1).statements().get(0).parameterSets().size());
        assertEquals(9, c.lastGeneration());
    }

    @Test
    void aTornLastRecordIsDroppedAndTheRestKept() throws Exception {
        Path file = tmp.resolve("redo");
        try (RedoLog log = RedoLog.create(file, 0, "4", false)) {
            for (long g = 1; g <= 3; g++) {
                log.append(g, List.of(insert(g, "row " + g)));
            }
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(f.length() - 5); // a kill in the middle of the last append
        }
        RedoLog.Contents c = RedoLog.read(file);
        assertEquals(2, c.lastGeneration());
        assertTrue(c.stoppedEarly().startsWith("a torn record"), c.stoppedEarly());
    }

    @Test
    void aDamagedRecordStopsReadingThere() throws Exception {
        Path file = tmp.resolve("redo");
        try (RedoLog log = RedoLog.create(file, 0, "4", false)) {
            for (long g = 1; g <= 3; g++) {
                log.append(g, List.of(insert(g, "row " + g)));
            }
        }
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 20] ^= 0x55;
        Files.write(file, bytes);
        RedoLog.Contents c = RedoLog.read(file);
        assertEquals(2, c.lastGeneration());
        assertTrue(c.stoppedEarly().contains("wrong checksum"), c.stoppedEarly());
    }

    @Test
    void aCheckpointDropsTheRecordsUpToTheVerifiedGenerationAndKeepsTheRest() throws Exception {
        Path file = tmp.resolve("redo");
        try (RedoLog log = RedoLog.create(file, 0, "4", true)) {
            for (long g = 1; g <= 5; g++) {
                log.append(g, List.of(insert(g, "row " + g)));
            }
            log.checkpoint(3);
            log.append(6, List.of(insert(6, "row 6")));
            assertEquals(3, log.base());
        }
        RedoLog.Contents c = RedoLog.read(file);
        assertEquals(3, c.base());
        assertEquals(List.of(4L, 5L, 6L), c.entries().stream().map(RedoLog.Entry::generation).toList());
    }

    @Test
    void aGapStopsRecordingUntilTheNextCheckpointSoThatAReplayNeverSkipsACommit() throws Exception {
        Path file = tmp.resolve("redo");
        try (RedoLog log = RedoLog.create(file, 0, "4", false)) {
            log.append(1, List.of(insert(1, "a")));
            log.append(3, List.of(insert(3, "c"))); // commit 2 was never recorded
            assertNotNull(log.disabledBecause());
            log.append(4, List.of(insert(4, "d")));
            assertEquals(1, RedoLog.read(file).lastGeneration(), "nothing is recorded after a gap");
            log.checkpoint(4);
            assertNull(log.disabledBecause());
            log.append(5, List.of(insert(5, "e")));
        }
        RedoLog.Contents c = RedoLog.read(file);
        assertEquals(4, c.base());
        assertEquals(5, c.lastGeneration());
    }

    @Test
    void aRecordAppliedToTheStateItWasTakenFromHasTheSameEffect() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:mem:redo-apply")) {
            c.createStatement().execute("CREATE TABLE t (id BIGINT PRIMARY KEY, text VARCHAR, n INTEGER)");
            insert(1, "one").apply(c);
            new RecordedStatement("UPDATE t SET n = ? WHERE id = ?", List.of(new Object[] {5, 1L}, new Object[] {6, 2L})).apply(c);
            try (ResultSet rs = c.createStatement().executeQuery("SELECT id, text, n FROM t")) {
                assertTrue(rs.next());
                assertEquals("one", rs.getString(2));
                assertEquals(5, rs.getInt(3));
            }
        }
    }

    @Test
    void aMissingOrForeignFileHoldsNothingAndSaysWhy() throws Exception {
        assertEquals(0, RedoLog.read(tmp.resolve("none")).entries().size());
        Path foreign = tmp.resolve("foreign");
        Files.writeString(foreign, "this is not a redo log at all");
        RedoLog.Contents c = RedoLog.read(foreign);
        assertEquals(0, c.entries().size());
        assertEquals("it is not a multiproc redo log", c.stoppedEarly());
    }
}
