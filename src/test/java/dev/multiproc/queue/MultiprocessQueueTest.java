package dev.multiproc.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.cluster.ClusterQueue.ValidationResult;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MultiprocessQueueTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    private static MultiprocessQueue queue(String name, Map<String, Object> parameters) {
        return new MultiprocessQueue(7, name, parameters);
    }

    /** cores 1..4 as a list, memory 1..4 GiB, runtime 60..3600 s. */
    private static MultiprocessQueue listQueue() {
        return queue("all.q", Map.of("cores", List.of(1, 4), "memory", List.of(1, 4), "runtime", List.of(60, 3600)));
    }

    /** cores 2..20 as Jobmon's tuple text. */
    private static MultiprocessQueue tupleQueue() {
        return queue("long.q", Map.of("cores", "(2, 20)"));
    }

    private static void assertContains(String expectedPart, String actual) {
        assertTrue(actual.contains(expectedPart), () -> "expected '" + expectedPart + "' in: " + actual);
    }

    // ------------------------------------------------------------------ identity

    @Test
    void reportsItsIdentity() {
        Map<String, Object> params = Map.of("cores", List.of(1, 4));
        MultiprocessQueue q = new MultiprocessQueue(3, "all.q", params);
        assertEquals(3, q.queueId());
        assertEquals("all.q", q.queueName());
        assertEquals(params, q.parameters());
        assertEquals(List.of(), q.requiredResources());
        assertEquals("null.q", new MultiprocessQueue(1, null, null).queueName());
        assertEquals(Map.of(), new MultiprocessQueue(1, null, null).parameters());
    }

    @Test
    void parametersAreACopy() {
        Map<String, Object> params = new HashMap<>(Map.of("cores", List.of(1, 4)));
        MultiprocessQueue q = queue("all.q", params);
        params.put("cores", List.of(1, 99));
        assertEquals(List.of(1, 4), q.parameters().get("cores"));
        assertEquals(new MultiprocessQueue.Range(1, 4), q.coresRange());
        assertThrows(UnsupportedOperationException.class, () -> q.parameters().put("x", 1));
    }

    // ------------------------------------------------------------------ ranges

    @Test
    void rangesFromListsAndTupleText() {
        MultiprocessQueue q = listQueue();
        assertEquals(new MultiprocessQueue.Range(1, 4), q.coresRange());
        assertEquals(new MultiprocessQueue.Range(GIB, 4 * GIB), q.memoryRange());
        assertEquals(new MultiprocessQueue.Range(60, 3600), q.runtimeRange());
        assertEquals(new MultiprocessQueue.Range(2, 20), tupleQueue().coresRange());
        assertEquals(new MultiprocessQueue.Range(1, 20), queue("q", Map.of("cores", "(1, 20)")).coresRange());
        assertEquals(new MultiprocessQueue.Range(1, 20), queue("q", Map.of("cores", "[1,20]")).coresRange());
        assertEquals(new MultiprocessQueue.Range(3, 5), queue("q", Map.of("cores", new Object[] {3, 5})).coresRange());
    }

    @Test
    void memoryAndRuntimeRangesInRequestUnits() {
        MultiprocessQueue q = queue("q", Map.of("memory", List.of("512M", "8G"), "runtime", List.of("30m", "2h")));
        assertEquals(new MultiprocessQueue.Range(512 * MIB, 8 * GIB), q.memoryRange());
        assertEquals(new MultiprocessQueue.Range(1800, 7200), q.runtimeRange());
        MultiprocessQueue t = queue("q", Map.of("memory", "(0.5, 2)", "runtime", "('1h', \"1d\")"));
        assertEquals(new MultiprocessQueue.Range(GIB / 2, 2 * GIB), t.memoryRange());
        assertEquals(new MultiprocessQueue.Range(3600, 86_400), t.runtimeRange());
    }

    @Test
    void defaultRangesComeFromTheMachine() {
        MultiprocessQueue q = queue("null.q", Map.of());
        int processors = Runtime.getRuntime().availableProcessors();
        assertEquals(new MultiprocessQueue.Range(1, processors), q.coresRange());
        assertEquals(1, q.memoryRange().min());
        long physical = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        assertEquals(physical, q.memoryRange().max());
        assertTrue(q.memoryRange().max() > 64 * MIB && q.memoryRange().max() < Long.MAX_VALUE);
        assertEquals(new MultiprocessQueue.Range(1, Long.MAX_VALUE), q.runtimeRange());
        // a parameter given for one resource leaves the others at the machine's bounds
        MultiprocessQueue partial = queue("q", Map.of("memory", List.of(1, 2)));
        assertEquals(new MultiprocessQueue.Range(1, processors), partial.coresRange());
        assertEquals(new MultiprocessQueue.Range(1, Long.MAX_VALUE), partial.runtimeRange());
    }

    @Test
    void rangeClamps() {
        MultiprocessQueue.Range r = new MultiprocessQueue.Range(2, 8);
        assertEquals(2, r.clamp(1));
        assertEquals(5, r.clamp(5));
        assertEquals(8, r.clamp(100));
        assertEquals(2, r.clamp(Long.MIN_VALUE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"cores", "memory", "runtime"})
    void badParametersNameTheParameter(String key) {
        List<Object> bad = List.of(List.of(1), List.of(1, 2, 3), "(1, 2, 3)", "1, 2", "(1)", "", 5, "(a, b)", List.of(5, 2),
                "(5, 2)", List.of(-1, 4), List.of(0, 4), List.of("x", "y"), Map.of("min", 1, "max", 2));
        for (Object b : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> queue("q", Map.of(key, b)),
                    () -> key + " = " + b);
            assertContains("'" + key + "'", e.getMessage());
        }
    }

    @Test
    void fractionalCoresParameterIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> queue("q", Map.of("cores", "(1, 2.5)")));
        assertContains("'cores'", e.getMessage());
    }

    // ------------------------------------------------------------------ validateResources: cores

    @Test
    void coresWithinRangeAreValidWithoutMessage() {
        for (boolean strict : new boolean[] {true, false}) {
            for (Object cores : List.of(1, 2, 4, "3", 4.0)) {
                ValidationResult v = listQueue().validateResources(strict, Map.of("cores", cores));
                assertEquals(new ValidationResult(true, ""), v, () -> "cores " + cores);
            }
        }
    }

    @Test
    void coresAboveRangeStrict() {
        ValidationResult v = listQueue().validateResources(true, Map.of("cores", 8));
        assertFalse(v.valid());
        assertEquals("ResourceError: provided cores 8 exceeds queue limit of 4 for queue all.q (clamped to 4)", v.message());
    }

    @Test
    void coresAboveRangeLenientIsValid() {
        ValidationResult v = listQueue().validateResources(false, Map.of("cores", 8));
        assertTrue(v.valid());
        assertEquals("ResourceError: provided cores 8 exceeds queue limit of 4 for queue all.q (clamped to 4)", v.message());
    }

    @Test
    void coresBelowTupleRange() {
        ValidationResult strict = tupleQueue().validateResources(true, Map.of("cores", 1));
        assertFalse(strict.valid());
        assertEquals("ResourceError: provided cores 1 is below queue minimum of 2 for queue long.q (clamped to 2)", strict.message());
        ValidationResult lenient = tupleQueue().validateResources(false, Map.of("cores", 1));
        assertTrue(lenient.valid());
        assertEquals(strict.message(), lenient.message());
    }

    @Test
    void coresAboveTupleRange() {
        ValidationResult v = queue("all.q", Map.of("cores", "(1, 20)")).validateResources(true, Map.of("cores", 21));
        assertFalse(v.valid());
        assertContains("provided cores 21 exceeds queue limit of 20", v.message());
        assertContains("clamped to 20", v.message());
        assertTrue(queue("all.q", Map.of("cores", "(1, 20)")).validateResources(true, Map.of("cores", 20)).valid());
    }

    @Test
    void coresNotProvided() {
        ValidationResult strict = tupleQueue().validateResources(true, Map.of("memory", "1G"));
        assertFalse(strict.valid());
        assertEquals("Cores not provided, setting to long.q minimum of 2", strict.message());
        ValidationResult lenient = tupleQueue().validateResources(false, Map.of());
        assertTrue(lenient.valid());
        assertEquals("Cores not provided, setting to long.q minimum of 2", lenient.message());
        assertEquals("Cores not provided, setting to long.q minimum of 2", tupleQueue().validateResources(false, null).message());
        Map<String, Object> nullCores = new HashMap<>();
        nullCores.put("cores", null);
        assertEquals("Cores not provided, setting to all.q minimum of 1", listQueue().validateResources(false, nullCores).message());
    }

    // ------------------------------------------------------------------ validateResources: memory and runtime

    @Test
    void memoryAboveRange() {
        Map<String, Object> r = Map.of("cores", 1, "memory", "8G");
        ValidationResult strict = listQueue().validateResources(true, r);
        assertFalse(strict.valid());
        assertEquals("ResourceError: provided memory 8G exceeds queue limit of 4G for queue all.q (clamped to 4G)", strict.message());
        ValidationResult lenient = listQueue().validateResources(false, r);
        assertTrue(lenient.valid());
        assertEquals(strict.message(), lenient.message());
    }

    @Test
    void memoryBelowRange() {
        ValidationResult v = listQueue().validateResources(true, Map.of("cores", 1, "memory", "512M"));
        assertFalse(v.valid());
        assertEquals("ResourceError: provided memory 512M is below queue minimum of 1G for queue all.q (clamped to 1G)", v.message());
        assertTrue(listQueue().validateResources(false, Map.of("cores", 1, "memory", "512M")).valid());
    }

    @Test
    void memoryWithinRangeInAnyUnit() {
        for (Object memory : List.of("1G", "4G", "4096M", "2.5G", 3, 1.5, "1GiB")) {
            assertEquals(new ValidationResult(true, ""), listQueue().validateResources(true, Map.of("cores", 2, "memory", memory)),
                    () -> "memory " + memory);
        }
    }

    @Test
    void memoryAboveThePhysicalMemoryByDefault() {
        MultiprocessQueue q = queue("null.q", Map.of());
        ValidationResult v = q.validateResources(true, Map.of("cores", 1, "memory", "100T"));
        assertFalse(v.valid());
        assertContains("provided memory 102400G exceeds queue limit of ", v.message());
        assertTrue(q.validateResources(true, Map.of("cores", 1, "memory", "1M")).valid());
    }

    @Test
    void runtimeBounds() {
        ValidationResult above = listQueue().validateResources(true, Map.of("cores", 1, "runtime", "2h"));
        assertFalse(above.valid());
        assertEquals("ResourceError: provided runtime 7200s exceeds queue limit of 3600s for queue all.q (clamped to 3600s)",
                above.message());
        ValidationResult below = listQueue().validateResources(true, Map.of("cores", 1, "runtime", 30));
        assertFalse(below.valid());
        assertEquals("ResourceError: provided runtime 30s is below queue minimum of 60s for queue all.q (clamped to 60s)",
                below.message());
        assertTrue(listQueue().validateResources(false, Map.of("cores", 1, "runtime", 30)).valid());
        assertEquals(new ValidationResult(true, ""), listQueue().validateResources(true, Map.of("cores", 1, "runtime", "01:00:00")));
        // without a runtime parameter there is no maximum
        assertEquals(new ValidationResult(true, ""), queue("q", Map.of()).validateResources(true, Map.of("cores", 1, "runtime", "365d")));
    }

    @Test
    void everyProblemIsReported() {
        Map<String, Object> r = Map.of("cores", 9, "memory", "16G", "runtime", "1d");
        ValidationResult v = listQueue().validateResources(true, r);
        assertFalse(v.valid());
        String[] parts = v.message().split("; ");
        assertEquals(3, parts.length, v.message());
        assertContains("cores 9", parts[0]);
        assertContains("clamped to 4)", parts[0]);
        assertContains("memory 16G", parts[1]);
        assertContains("clamped to 4G)", parts[1]);
        assertContains("runtime 86400s", parts[2]);
        assertContains("clamped to 3600s)", parts[2]);
        assertTrue(listQueue().validateResources(false, r).valid());
    }

    @Test
    void unparseableResourcesAreInvalidEvenWhenLenient() {
        for (boolean strict : new boolean[] {true, false}) {
            ValidationResult v = listQueue().validateResources(strict, Map.of("cores", 1, "memory", "8X"));
            assertFalse(v.valid());
            assertTrue(v.message().startsWith("ResourceError: "), v.message());
            assertContains("'memory'", v.message());
            ValidationResult c = listQueue().validateResources(strict, Map.of("cores", "two"));
            assertFalse(c.valid());
            assertContains("'cores'", c.message());
            ValidationResult t = listQueue().validateResources(strict, Map.of("cores", 1, "runtime", "soon"));
            assertFalse(t.valid());
            assertContains("'runtime'", t.message());
        }
    }

    @Test
    void otherClustersKeysDoNotMatter() {
        assertEquals(new ValidationResult(true, ""),
                listQueue().validateResources(true, Map.of("cores", 2, "constraints", "archive", "project", "proj_a")));
    }

    // ------------------------------------------------------------------ coerceResources

    @Test
    void coerceClampsAndNormalises() {
        Map<String, Object> given = new LinkedHashMap<>();
        given.put("cores", "9");
        given.put("memory", "512M");
        given.put("runtime", "2h");
        given.put("queue", "all.q");
        given.put("constraints", "archive");
        Map<String, Object> out = listQueue().coerceResources(given);
        assertEquals(4, out.get("cores"));
        assertEquals(1.0, out.get("memory"));
        assertEquals(3600L, out.get("runtime"));
        assertEquals("all.q", out.get("queue"));
        assertEquals("archive", out.get("constraints"));
        assertEquals(5, out.size(), out.toString());
        // the input is left alone
        assertEquals("9", given.get("cores"));
    }

    @Test
    void coerceRaisesToMinimums() {
        Map<String, Object> out = listQueue().coerceResources(Map.of("cores", 1, "memory", 0.25, "runtime", 5));
        assertEquals(1, out.get("cores"));
        assertEquals(1.0, out.get("memory"));
        assertEquals(60L, out.get("runtime"));
        Map<String, Object> t = tupleQueue().coerceResources(Map.of("cores", 1));
        assertEquals(2, t.get("cores"));
    }

    @Test
    void coerceNormalisesWithinRange() {
        Map<String, Object> out = listQueue().coerceResources(Map.of("cores", 3.0, "memory", "1536M", "runtime", "1h"));
        assertEquals(Map.of("cores", 3, "memory", 1.5, "runtime", 3600L), out);
        // coerced resources are valid and coerce to themselves
        assertEquals(new ValidationResult(true, ""), listQueue().validateResources(true, out));
        assertEquals(out, listQueue().coerceResources(out));
    }

    @Test
    void coerceSetsMissingCoresToTheMinimum() {
        assertEquals(Map.of("cores", 2), tupleQueue().coerceResources(Map.of()));
        assertEquals(Map.of("cores", 2), tupleQueue().coerceResources(null));
        Map<String, Object> out = tupleQueue().coerceResources(Map.of("memory", "2G"));
        assertEquals(2, out.get("cores"));
        assertEquals(2.0, out.get("memory"));
        assertFalse(out.containsKey("runtime"));
    }

    @Test
    void coerceRejectsUnparseableResources() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> listQueue().coerceResources(Map.of("runtime", "soon")));
        assertContains("'runtime'", e.getMessage());
    }

    @Test
    void bytesAreShownInTheLargestExactUnit() {
        assertEquals("4G", MultiprocessQueue.bytes(4 * GIB));
        assertEquals("1536M", MultiprocessQueue.bytes(1536 * MIB));
        assertEquals("1000B", MultiprocessQueue.bytes(1000));
    }
}
