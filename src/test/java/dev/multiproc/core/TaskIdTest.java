package dev.multiproc.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class TaskIdTest {

    @Test
    void parsesASingleTask() {
        TaskId id = TaskId.parse("17").orElseThrow();
        assertEquals(17, id.jobId());
        assertNull(id.step());
        assertEquals(new TaskId(17, null), id);
        assertEquals("17", id.toString());
    }

    @Test
    void parsesAnArrayStep() {
        TaskId id = TaskId.parse("18_3").orElseThrow();
        assertEquals(18, id.jobId());
        assertEquals(3, id.step());
        assertEquals(TaskId.of(18, 3), id);
        assertEquals("18_3", id.toString());
    }

    @Test
    void parsesZerosAndLargeNumbers() {
        assertEquals(Optional.of(new TaskId(0, null)), TaskId.parse("0"));
        assertEquals(Optional.of(new TaskId(0, 0)), TaskId.parse("0_0"));
        assertEquals(Optional.of(new TaskId(18, 0)), TaskId.parse("18_0"));
        assertEquals(Optional.of(new TaskId(Long.MAX_VALUE, null)), TaskId.parse(Long.toString(Long.MAX_VALUE)));
        assertEquals(Optional.of(new TaskId(1, Integer.MAX_VALUE)), TaskId.parse("1_" + Integer.MAX_VALUE));
    }

    @Test
    void toStringRoundTrips() {
        for (String s : new String[] {"1", "17", "18_3", "123456789_42", "9_0"}) {
            assertEquals(s, TaskId.parse(s).orElseThrow().toString());
            assertEquals(TaskId.parse(s), TaskId.parse(TaskId.parse(s).orElseThrow().toString()));
        }
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", " ", "abc", "17_", "_3", "_", "-1", "-1_2", "1_-2", "017", "18_03", "00", "18_3_4", "18__3",
            "17 ", " 17", "17\n", "+17", "1.5", "17a", "0x11", "١٧", "18_None", "None",
            "9223372036854775808", "1_2147483648", "99999999999999999999999999999999999999999",
            "1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111"})
    void rejectsWhatIsNotAnId(String s) {
        assertEquals(Optional.empty(), TaskId.parse(s));
    }

    @Test
    void rejectsVeryLongStrings() {
        assertEquals(Optional.empty(), TaskId.parse("1".repeat(10_000)));
        assertEquals(Optional.empty(), TaskId.parse("1_" + "2".repeat(100_000)));
        assertEquals(Optional.empty(), TaskId.parse("_".repeat(1_000)));
    }
}
