package dev.multiproc.state;

import dev.multiproc.proc.ProcessIdentity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class TaskRecordTest {

    @Test
    void identityOnlyWhileRunning() {
        TaskRecord r = TaskRecord.parse("pid=4242 start=987654 t0=1700000000123\n").orElseThrow();
        assertEquals(4242, r.pid());
        assertEquals(987654, r.startTicks());
        assertEquals(1700000000123L, r.t0Ms());
        assertNull(r.result());
        assertFalse(r.isFinished());
        assertEquals(new ProcessIdentity(4242, 987654), r.identity());
    }

    @Test
    void identityWithoutT0() {
        TaskRecord r = TaskRecord.parse("pid=5 start=6").orElseThrow();
        assertEquals(new TaskRecord(5, 6, 0, null, null), r);
    }

    @Test
    void finishedByExit() {
        String line = "pid=4242 start=987654 t0=1700000000123 t1=1700000005123 exit=3 sig=0 cause=exit errno=0 stage=- term=0 "
                + "utime_us=1500000 stime_us=250000 maxrss_kb=20480 peak_kb=40960 limit=0\n";
        TaskRecord r = TaskRecord.parse(line).orElseThrow();
        assertTrue(r.isFinished());
        assertEquals(4242, r.pid());
        assertEquals(987654, r.startTicks());
        assertEquals(1700000000123L, r.t0Ms());
        TaskRecord.Result res = r.result();
        assertEquals(new TaskRecord.Result(1700000005123L, 3, 0, dev.multiproc.core.EndCause.EXIT, 0, "-", 0, 1_500_000, 250_000, 20480, 40960, 0), res);
        assertEquals(1750, res.cpuMs());
        assertFalse(res.isSpawnError());
    }

    @Test
    void finishedBySignalAndLimit() {
        TaskRecord.Result sig = TaskRecord.parse("pid=1 start=2 t0=3 t1=4 exit=-1 sig=9 cause=runtime errno=0 stage=- term=15 "
                + "utime_us=0 stime_us=999 maxrss_kb=1 peak_kb=2 limit=60000").orElseThrow().result();
        assertEquals(-1, sig.exitCode());
        assertEquals(9, sig.signal());
        assertEquals(dev.multiproc.core.EndCause.RUNTIME, sig.cause());
        assertEquals(15, sig.termSignal());
        assertEquals(60000, sig.limit());
        assertEquals(0, sig.cpuMs());
    }

    @Test
    void spawnError() {
        TaskRecord.Result res = TaskRecord.parse("pid=10 start=20 t0=30 t1=31 exit=127 sig=0 cause=spawn_error errno=2 stage=exec "
                + "term=0 utime_us=0 stime_us=0 maxrss_kb=0 peak_kb=0 limit=0").orElseThrow().result();
        assertTrue(res.isSpawnError());
        assertEquals(2, res.errno());
        assertEquals("exec", res.stage());
        assertEquals(127, res.exitCode());
    }

    @Test
    void fieldOrderAndSpacingDoNotMatter() {
        TaskRecord a = TaskRecord.parse("pid=1 start=2 t0=3 t1=4 exit=0 sig=0 cause=exit errno=0 stage=- term=0 utime_us=5 "
                + "stime_us=6 maxrss_kb=7 peak_kb=8 limit=9").orElseThrow();
        TaskRecord b = TaskRecord.parse("  limit=9 peak_kb=8\tmaxrss_kb=7  stime_us=6 utime_us=5 term=0 stage=- errno=0 cause=exit "
                + "sig=0 exit=0 t1=4 t0=3 start=2 pid=1 \n").orElseThrow();
        assertEquals(a, b);
    }

    @Test
    void missingResultFieldsDefault() {
        TaskRecord.Result res = TaskRecord.parse("pid=1 start=2 t0=3 exit=0").orElseThrow().result();
        assertEquals(new TaskRecord.Result(0, 0, 0, dev.multiproc.core.EndCause.EXIT, 0, "-", 0, 0, 0, 0, 0, 0), res);
    }

    @Test
    void recoveryClaimIsEmpty() {
        assertEquals(Optional.empty(), TaskRecord.parse("claimed-by-recovery"));
        assertEquals(Optional.empty(), TaskRecord.parse("claimed-by-recovery\n"));
        assertEquals(Optional.empty(), TaskRecord.parse(""));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "   ", "\n", "-", "garbage", "hello world", "pid=", "pid=1", "start=2", "pid=1 t0=3",
            "pid=x start=2", "pid=1 start=two", "pid=1 start=2 t0=", "pid=1 start=2 t0=3 exit=", "pid=1 start=2 t0=3 exit=zero",
            "pid=1 start=2 t0=3 exit=0 sig=nine", "pid=1 start=2 t0=3 exit=0 utime_us=1.5",
            "pid=99999999999999999999 start=2", "=1 =2", "pid 1 start 2", "\0\0\0"})
    void unreadableIsEmpty(String line) {
        assertEquals(Optional.empty(), TaskRecord.parse(line));
    }

    @Test
    void truncatedFinishedLineIsEmptyOrRunning() {
        // a state file cut in the middle of a number is unreadable rather than a wrong number
        assertEquals(Optional.empty(), TaskRecord.parse("pid=1 start=2 t0=3 t1=4 exit=0 sig=0 cause=exit errno=0 stage=- term=0 utime_us="));
    }

    @Test
    void aLaterWordReplacesAnEarlierOne() {
        // the lines of a state file are read together: the newest line's value counts, even over one that was unreadable
        TaskRecord r = TaskRecord.parse("pid=x start=2 t0=3 end pid=5 start=6 exit=1 cause=signal stage=exec exit=2").orElseThrow();
        assertEquals(new TaskRecord(5, 6, 3, null, new TaskRecord.Result(0, 2, 0, dev.multiproc.core.EndCause.SIGNAL, 0, "exec", 0, 0,
                0, 0, 0, 0)), r);
        assertEquals(Optional.empty(), TaskRecord.parse("pid=5 start=6 pid=x"));
        assertEquals(Optional.empty(), TaskRecord.parse("pid=5 start=6 exit=0 cause=sideways"));
        assertEquals(Optional.empty(), TaskRecord.parse("pid=5 start=6 launcher=7:x"));
    }

    @Test
    void parsedFromAnOffset() {
        String line = "X 7_1.1 42 0 pid=42 start=9 exit=0";
        assertEquals(new TaskRecord(42, 9, 0, null, new TaskRecord.Result(0, 0, 0, dev.multiproc.core.EndCause.EXIT, 0, "-", 0, 0, 0, 0,
                0, 0)), TaskRecord.parse(line, line.indexOf("pid=")).orElseThrow());
        assertEquals(Optional.empty(), TaskRecord.parse(line, line.length()));
    }
}
