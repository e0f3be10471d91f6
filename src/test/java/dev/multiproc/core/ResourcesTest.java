package dev.multiproc.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ResourcesTest {
    private static final long KIB = 1L << 10;
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    private static void assertNamesKey(String key, IllegalArgumentException e) {
        assertTrue(e.getMessage() != null && e.getMessage().contains("'" + key + "'"),
                () -> "message should name '" + key + "': " + e.getMessage());
    }

    // ------------------------------------------------------------------ cores

    static List<Arguments> validCores() {
        return List.of(Arguments.of(1, 1), Arguments.of(4, 4), Arguments.of(4L, 4), Arguments.of((short) 3, 3),
                Arguments.of(2.0, 2), Arguments.of(8.0f, 8), Arguments.of("3", 3), Arguments.of(" 12 ", 12),
                Arguments.of(1_000_000, 1_000_000));
    }

    @ParameterizedTest
    @MethodSource("validCores")
    void parsesCores(Object given, int expected) {
        assertEquals(expected, Resources.parseCores(given));
        Map<String, Object> m = new HashMap<>();
        m.put("cores", given);
        assertEquals(expected, Resources.parse(m).cores());
    }

    static List<Object> invalidCores() {
        return List.of(0, -1, -3L, 1.5, 0.0, -2.0, "two", "1.5", "-1", "0", "", " ", true, false, Double.NaN,
                Double.POSITIVE_INFINITY, 1_000_001, "1234567890", List.of(2), Map.of("n", 2));
    }

    @ParameterizedTest
    @MethodSource("invalidCores")
    void rejectsBadCores(Object given) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Resources.parseCores(given));
        assertNamesKey("cores", e);
        Map<String, Object> m = new HashMap<>();
        m.put("cores", given);
        assertNamesKey("cores", assertThrows(IllegalArgumentException.class, () -> Resources.parse(m)));
    }

    @Test
    void rejectsFractionalOrOverflowingBigNumbersForCores() {
        assertNamesKey("cores", assertThrows(IllegalArgumentException.class, () -> Resources.parseCores(new BigDecimal("1.5"))));
        assertNamesKey("cores", assertThrows(IllegalArgumentException.class, () -> Resources.parseCores(new BigDecimal("2.9"))));
        BigInteger wraps = BigInteger.ONE.shiftLeft(64).add(BigInteger.ONE);
        assertNamesKey("cores", assertThrows(IllegalArgumentException.class, () -> Resources.parseCores(wraps)));
    }

    @Test
    void acceptsIntegralBigNumbersForCores() {
        assertEquals(3, Resources.parseCores(new BigDecimal("3")));
        assertEquals(5, Resources.parseCores(BigInteger.valueOf(5)));
    }

    // ------------------------------------------------------------------ memory

    static List<Arguments> validMemory() {
        return List.of(
                Arguments.of("8G", 8 * GIB),
                Arguments.of("8g", 8 * GIB),
                Arguments.of("8GB", 8 * GIB),
                Arguments.of("8GiB", 8 * GIB),
                Arguments.of("8 G", 8 * GIB),
                Arguments.of(" 8G ", 8 * GIB),
                Arguments.of("512M", 512 * MIB),
                Arguments.of("100MiB", 100 * MIB),
                Arguments.of("100mib", 100 * MIB),
                Arguments.of("1.5G", 3 * GIB / 2),
                Arguments.of("1.5GiB", 3 * GIB / 2),
                Arguments.of("64K", 64 * KIB),
                Arguments.of("2T", 2 * (1L << 40)),
                Arguments.of("1P", 1L << 50),
                Arguments.of("4096B", 4096L),
                Arguments.of("2", 2 * GIB),
                Arguments.of("0.5", GIB / 2),
                Arguments.of(2, 2 * GIB),
                Arguments.of(2L, 2 * GIB),
                Arguments.of(0.5, GIB / 2),
                Arguments.of(1.5f, 3 * GIB / 2));
    }

    @ParameterizedTest
    @MethodSource("validMemory")
    void parsesMemory(Object given, long expectedBytes) {
        assertEquals(expectedBytes, Resources.parseMemory(given));
        assertEquals(expectedBytes, Resources.parse(Map.of("memory", given)).memoryBytes());
    }

    static List<Object> invalidMemory() {
        return List.of("8X", "", "   ", "G", "-1G", "-2", "0", "0G", "0M", "0.0", "abc", "8 GG", "8iB", "1e3", "1,5G", "8G8",
                0, 0L, 0.0, -1, -1.5, -8L, Double.NaN, Double.POSITIVE_INFINITY, true, List.of("8G"));
    }

    @ParameterizedTest
    @MethodSource("invalidMemory")
    void rejectsBadMemory(Object given) {
        assertNamesKey("memory", assertThrows(IllegalArgumentException.class, () -> Resources.parseMemory(given)));
        assertNamesKey("memory", assertThrows(IllegalArgumentException.class, () -> Resources.parse(Map.of("memory", given))));
    }

    @Test
    void roundsFractionalBytesUp() {
        // 1/3 GiB is not a whole number of bytes; the limit is never below what was asked for
        long bytes = Resources.parseMemory(1.0 / 3);
        assertEquals((long) Math.ceil(GIB / 3.0), bytes);
        assertTrue(bytes * 3 >= GIB);
    }

    // ------------------------------------------------------------------ runtime

    static List<Arguments> validRuntime() {
        return List.of(
                Arguments.of(90, 90L),
                Arguments.of(90L, 90L),
                Arguments.of(1, 1L),
                Arguments.of(90.0, 90L),
                Arguments.of(0.5, 1L),
                Arguments.of(89.2, 90L),
                Arguments.of("90", 90L),
                Arguments.of("90s", 90L),
                Arguments.of("90S", 90L),
                Arguments.of(" 90s ", 90L),
                Arguments.of("30m", 1800L),
                Arguments.of("2h", 7200L),
                Arguments.of("1.5h", 5400L),
                Arguments.of("1h30m", 5400L),
                Arguments.of("1h30m15s", 5415L),
                Arguments.of("1d", 86_400L),
                Arguments.of("1d2h", 93_600L),
                Arguments.of("1h 30m", 5400L),
                Arguments.of("01:30:00", 5400L),
                Arguments.of("1:02:03", 3723L),
                Arguments.of("100:00:00", 360_000L),
                Arguments.of("00:00:01", 1L));
    }

    @ParameterizedTest
    @MethodSource("validRuntime")
    void parsesRuntime(Object given, long expectedSeconds) {
        assertEquals(expectedSeconds, Resources.parseRuntime(given));
        assertEquals(expectedSeconds, Resources.parse(Map.of("runtime", given)).runtimeSeconds());
    }

    static List<Object> invalidRuntime() {
        return List.of("abc", "", "  ", "h", "1x", "1h 30x", "-5", "-5s", "0", "0s", "00:00:00", "1:60:00", "1:00:60", "1:30",
                "01:30:00:00", 0, 0L, 0.0, -5, -5L, -0.5, Double.NaN, Double.POSITIVE_INFINITY, true, List.of(90));
    }

    @ParameterizedTest
    @MethodSource("invalidRuntime")
    void rejectsBadRuntime(Object given) {
        assertNamesKey("runtime", assertThrows(IllegalArgumentException.class, () -> Resources.parseRuntime(given)));
        assertNamesKey("runtime", assertThrows(IllegalArgumentException.class, () -> Resources.parse(Map.of("runtime", given))));
    }

    @Test
    void overflowingClockRuntimeNamesTheKey() {
        assertNamesKey("runtime", assertThrows(IllegalArgumentException.class,
                () -> Resources.parseRuntime("99999999999999999999:00:00")));
    }

    // ------------------------------------------------------------------ text keys and the whole map

    @ParameterizedTest
    @ValueSource(strings = {"queue", "project", "stdout", "stderr"})
    void textKeysMustBeStrings(String key) {
        for (Object bad : List.of(3, 1.5, true, List.of("a"), Map.of("a", "b"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Resources.parse(Map.of(key, bad)));
            assertNamesKey(key, e);
        }
        assertNamesKey(key, assertThrows(IllegalArgumentException.class, () -> Resources.parse(Map.of(key, "a\0b"))));
    }

    @Test
    void readsTextKeys() {
        Resources r = Resources.parse(Map.of("queue", "all.q", "project", "proj_x", "stdout", "/tmp/out", "stderr", "/tmp/err"));
        assertEquals("all.q", r.queue());
        assertEquals("proj_x", r.project());
        assertEquals("/tmp/out", r.stdoutDir());
        assertEquals("/tmp/err", r.stderrDir());
        assertEquals(1, r.cores());
        assertNull(r.memoryBytes());
        assertNull(r.runtimeSeconds());
    }

    @Test
    void blankTextIsAbsent() {
        Resources r = Resources.parse(Map.of("queue", "", "stdout", "   "));
        assertNull(r.queue());
        assertNull(r.stdoutDir());
    }

    @Test
    void nullOrEmptyMapIsDefault() {
        assertSame(Resources.DEFAULT, Resources.parse(null));
        assertSame(Resources.DEFAULT, Resources.parse(Map.of()));
        assertEquals(new Resources(1, null, null, null, null, null, null), Resources.DEFAULT);
    }

    @Test
    void nullValuesAreAbsent() {
        Map<String, Object> m = new HashMap<>();
        m.put("cores", null);
        m.put("memory", null);
        m.put("runtime", null);
        m.put("queue", null);
        assertEquals(Resources.DEFAULT, Resources.parse(m));
    }

    @Test
    void nullKeyIsRejected() {
        Map<String, Object> m = new HashMap<>();
        m.put(null, 3);
        assertThrows(IllegalArgumentException.class, () -> Resources.parse(m));
    }

    @Test
    void unknownKeysAreIgnored() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", 2);
        m.put("constraints", "archive");
        m.put("num_gpus", List.of(1, 2));
        m.put("whatever", new Object());
        Resources r = Resources.parse(m);
        assertEquals(new Resources(2, null, null, null, null, null, null), r);
    }

    @Test
    void parsesAFullRequest() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", "4");
        m.put("memory", "1.5G");
        m.put("runtime", "1h30m");
        m.put("queue", "all.q");
        Resources r = Resources.parse(m);
        assertEquals(new Resources(4, 3 * GIB / 2, 5400L, "all.q", null, null, null), r);
    }

    @Test
    void toMapGivesCanonicalUnits() {
        Map<String, Object> m = new Resources(2, 512 * MIB, 5400L, "q", "p", "/o", "/e").toMap();
        assertEquals(2, m.get("cores"));
        assertEquals(0.5, m.get("memory"));
        assertEquals(5400L, m.get("runtime"));
        assertEquals("q", m.get("queue"));
        assertEquals("p", m.get("project"));
        assertEquals("/o", m.get("stdout"));
        assertEquals("/e", m.get("stderr"));
        assertEquals(Map.of("cores", 1), Resources.DEFAULT.toMap());
        // what toMap gives parses back to the same resources
        Resources back = Resources.parse(m);
        assertEquals(new Resources(2, 512 * MIB, 5400L, "q", "p", "/o", "/e"), back);
    }
}
