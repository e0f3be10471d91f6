package dev.multiproc.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.multiproc.core.EndCause;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The launcher's event lines as {@code mpagent.h} writes them, read field by field. */
class EventLinesTest {
    private final RecordedEvents events = new RecordedEvents();

    @Test
    void startedAndExitedWithTheirRecord() {
        assertEquals("7_3.1", EventLines.dispatch("S 7_3.1 4242 987654", events));
        assertEquals("7_3.1", EventLines.dispatch("X 7_3.1 4242 256 pid=4242 start=987654 t0=11 t1=12 exit=1 sig=0 cause=exit errno=0 "
                + "stage=- term=0 utime_us=1500 stime_us=500 maxrss_kb=3 peak_kb=4 limit=0 launcher=77:88", events));
        assertEquals(4242L, events.started.get("7_3.1"));
        RecordedEvents.Exit x = events.exits.get("7_3.1");
        assertEquals(4242, x.pid());
        assertEquals(256, x.waitStatus());
        assertEquals(987654, x.record().startTicks());
        assertEquals(1, x.result().exitCode());
        assertEquals(EndCause.EXIT, x.result().cause());
        assertEquals(2, x.result().cpuMs());
        assertEquals(new dev.multiproc.proc.ProcessIdentity(77, 88), x.record().launcher());
        assertEquals(List.of("S 7_3.1", "X 7_3.1"), events.order());
    }

    @Test
    void exitedWithoutARecord() {
        EventLines.dispatch("X 1.1 99 9", events);
        assertNull(events.exits.get("1.1").record());
        EventLines.dispatch("X 2.1 99 9 -", events);
        assertNull(events.exits.get("2.1").record());
    }

    @Test
    void failedKeepsItsWholeMessage() {
        EventLines.dispatch("E 3.1 24 too many open files: /tmp/x y", events);
        EventLines.dispatch("E ? 22", events);
        assertEquals(List.of(new RecordedEvents.Failure("3.1", 24, "too many open files: /tmp/x y"),
                new RecordedEvents.Failure("?", 22, "")), events.failures());
    }

    @Test
    void droppedAndUnknownLines() {
        assertEquals("4.1", EventLines.dispatch("D 4.1", events));
        assertNull(EventLines.dispatch("Q 4.1 1", events));
        assertNull(EventLines.dispatch("SX 4.1", events));
        assertNull(EventLines.dispatch("", events));
        assertEquals(List.of("D 4.1"), events.order());
    }

    @Test
    void aMissingNumberIsAnError() {
        assertThrows(NumberFormatException.class, () -> EventLines.dispatch("S 5.1", events));
        assertThrows(NumberFormatException.class, () -> EventLines.dispatch("X 5.1 12 x", events));
    }
}
