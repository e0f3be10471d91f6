package dev.multiproc.state;

import dev.multiproc.proc.ProcessIdentity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** State files are read while they are written: only complete lines count. */
class StateFileTest {
    private static final String IDENTITY = "pid=10 start=20 t0=30 launcher=40:50 end\n";
    private static final String RESULT = "t1=31 exit=3 sig=0 cause=exit errno=0 stage=- term=0 utime_us=1 stime_us=2 maxrss_kb=3 "
            + "peak_kb=4 limit=0 end\n";

    @TempDir
    Path dir;

    @Test
    void completeLinesDecideTheStatus() {
        assertEquals(StateFile.Status.STARTING, StateFile.parse("").status(), "created, not yet written");
        assertEquals(StateFile.Status.STARTING, StateFile.parse("pid=10 start=2").status(), "identity half written");
        assertEquals(StateFile.Status.STARTING, StateFile.parse("pid=10 start=20 t0=30\n").status(), "a line without its end word");
        StateFile started = StateFile.parse(IDENTITY);
        assertEquals(StateFile.Status.STARTED, started.status());
        assertEquals(new ProcessIdentity(40, 50), started.record().launcher());
        assertEquals(new ProcessIdentity(10, 20), started.record().identity());
        assertEquals(StateFile.Status.STARTED, StateFile.parse(IDENTITY + "t1=31 exit=3 sig=0 cau").status(), "result half written");
        StateFile finished = StateFile.parse(IDENTITY + RESULT);
        assertEquals(StateFile.Status.FINISHED, finished.status());
        assertEquals(3, finished.record().result().exitCode());
        assertEquals(30, finished.record().t0Ms());
        assertEquals(StateFile.Status.CLAIMED, StateFile.parse(StateFile.CLAIM_LINE).status());
        assertNull(StateFile.parse(StateFile.CLAIM_LINE).record());
    }

    @Test
    void aClaimWinsOnlyOverAnAttemptThatHasNoFile() throws Exception {
        StateFiles files = new StateFiles(dir);
        assertTrue(files.claim("7", 0));
        assertFalse(files.claim("7", 0), "claimed twice");
        assertEquals(StateFile.Status.CLAIMED, files.read("7", 0).status());
        Files.writeString(dir.resolve("8-0"), IDENTITY);
        assertFalse(files.claim("8", 0), "a task that started first keeps its attempt");
        assertEquals(StateFile.Status.STARTED, files.read("8", 0).status());
        assertEquals(StateFile.Status.ABSENT, files.read("9", 0).status());
        try (var left = Files.list(dir)) {
            assertTrue(left.noneMatch(p -> p.toString().endsWith(".tmp")), "temporary claim files are cleaned up");
        }
        files.delete("8", 0);
        assertEquals(StateFile.Status.ABSENT, files.read("8", 0).status());
    }
}
