package dev.multiproc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.cluster.TaskInstanceStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class MultiprocessWorkerNodeTest {

    private static MultiprocessWorkerNode node(String... keyValues) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            env.put(keyValues[i], keyValues[i + 1]);
        }
        return new MultiprocessWorkerNode(env);
    }

    // ------------------------------------------------------------------ ids

    @Test
    void singleTaskIdHasNoStep() {
        MultiprocessWorkerNode n = node("JOB_ID", "17");
        assertEquals(Optional.of("17"), n.distributorId());
        assertEquals(OptionalInt.empty(), n.arrayStepId());
    }

    @Test
    void emptyStepIsNoStep() {
        assertEquals(Optional.of("17"), node("JOB_ID", "17", "ARRAY_STEP_ID", "").distributorId());
        assertEquals(OptionalInt.empty(), node("JOB_ID", "17", "ARRAY_STEP_ID", "").arrayStepId());
    }

    @Test
    void arrayStepId() {
        MultiprocessWorkerNode n = node("JOB_ID", "18", "ARRAY_STEP_ID", "3");
        assertEquals(Optional.of("18_3"), n.distributorId());
        assertEquals(OptionalInt.of(3), n.arrayStepId());
        assertEquals(Optional.of("18_0"), node("JOB_ID", "18", "ARRAY_STEP_ID", "0").distributorId());
        assertEquals(OptionalInt.of(12), node("ARRAY_STEP_ID", " 12 ").arrayStepId());
    }

    @Test
    void noIdOutsideATask() {
        assertEquals(Optional.empty(), node().distributorId());
        assertEquals(Optional.empty(), node("JOB_ID", "").distributorId());
        assertEquals(Optional.empty(), node("ARRAY_STEP_ID", "3").distributorId());
        assertEquals(OptionalInt.empty(), node().arrayStepId());
    }

    @Test
    void nonNumericStepIsAnError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> node("JOB_ID", "18", "ARRAY_STEP_ID", "None").arrayStepId());
        assertTrue(e.getMessage().contains("ARRAY_STEP_ID"), e.getMessage());
    }

    @Test
    void environmentIsCopied() {
        Map<String, String> env = new HashMap<>(Map.of("JOB_ID", "5"));
        MultiprocessWorkerNode n = new MultiprocessWorkerNode(env);
        env.put("JOB_ID", "6");
        env.put("ARRAY_STEP_ID", "1");
        assertEquals(Optional.of("5"), n.distributorId());
    }

    // ------------------------------------------------------------------ exit info

    @Test
    void exitInfo() {
        RemoteExitInfo info = node("JOB_ID", "17").getExitInfo(3, "boom");
        assertEquals(TaskInstanceStatus.ERROR, info.status());
        assertEquals("Got exit_code: 3. Error message was: boom", info.message());
        RemoteExitInfo signalled = node().getExitInfo(-9, "");
        assertEquals(TaskInstanceStatus.ERROR, signalled.status());
        assertEquals("Got exit_code: -9. Error message was: ", signalled.message());
    }

    // ------------------------------------------------------------------ log files

    @Test
    void logFilesNamedByTheId() {
        assertEquals("/logs/x/my_task.o17", node("JOB_ID", "17").initializeLogfile("stdout", "/logs/x", "my_task"));
        assertEquals("/logs/x/my_task.e17", node("JOB_ID", "17").initializeLogfile("stderr", "/logs/x", "my_task"));
        assertEquals("/logs/x/arr.o18_3", node("JOB_ID", "18", "ARRAY_STEP_ID", "3").initializeLogfile("stdout", "/logs/x", "arr"));
        assertEquals("/logs/x/arr.e18_3", node("JOB_ID", "18", "ARRAY_STEP_ID", "3").initializeLogfile("stderr", "/logs/x", "arr"));
        assertEquals("logs/arr.e18_3", node("JOB_ID", "18", "ARRAY_STEP_ID", "3").initializeLogfile("stderr", "logs/", "arr"));
    }

    @Test
    void noLogDirDiscardsOutput() {
        MultiprocessWorkerNode n = node("JOB_ID", "17");
        assertEquals("/dev/null", n.initializeLogfile("stdout", null, "t"));
        assertEquals("/dev/null", n.initializeLogfile("stderr", "", "t"));
    }

    @Test
    void otherLogTypesAreRejected() {
        MultiprocessWorkerNode n = node("JOB_ID", "17");
        for (String type : new String[] {"stdin", "", "STDOUT", "out", "o"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> n.initializeLogfile(type, "/logs", "t"));
            assertTrue(e.getMessage().contains("'" + type + "'"), e.getMessage());
        }
    }

    @Test
    void logFileOutsideATaskStaysInTheDirectory() {
        String p = node().initializeLogfile("stdout", "/logs", "t");
        assertEquals(Path.of("/logs"), Path.of(p).getParent());
        assertTrue(Path.of(p).getFileName().toString().startsWith("t.o"), p);
    }

    @Test
    void hostileJobIdStaysInTheDirectory() {
        String p = node("JOB_ID", "../../etc/passwd").initializeLogfile("stdout", "/logs", "t");
        assertEquals(Path.of("/logs"), Path.of(p).normalize().getParent());
    }

    // ------------------------------------------------------------------ usage

    @Test
    void usageStatsOfThisProcess() throws Exception {
        long rssBefore = statusKb("VmRSS") * 1024;
        double cpuBefore = ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L) / 1e9;
        Map<String, String> stats = node("JOB_ID", "17").getUsageStats();
        assertEquals(java.util.Set.of("maxrss", "cpu", "usage_str"), stats.keySet());

        long maxrss = Long.parseLong(stats.get("maxrss"));
        assertTrue(maxrss > 1024 * 1024, "a JVM uses more than 1 MiB: " + maxrss);
        assertTrue(maxrss >= rssBefore, "peak " + maxrss + " below earlier resident size " + rssBefore);
        assertEquals(0, maxrss % 1024, "maxrss is kB * 1024");

        double cpu = Double.parseDouble(stats.get("cpu"));
        assertTrue(cpu > 0, "a JVM has used some CPU: " + cpu);
        assertTrue(cpu >= cpuBefore - 0.006, cpu + " < " + cpuBefore);
        assertTrue(stats.get("cpu").matches("\\d+\\.\\d\\d"), stats.get("cpu"));

        JsonNode usage = new ObjectMapper().readTree(stats.get("usage_str"));
        assertEquals(maxrss, usage.get("maxrss_bytes").asLong());
        assertEquals(ProcessHandle.current().pid(), usage.get("pid").asLong());
        assertTrue(Math.abs(usage.get("cpu_seconds").asDouble() - cpu) <= 0.006, usage + " vs " + cpu);
        assertFalse(usage.has("error"));
    }

    private static long statusKb(String field) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
            }
        }
        throw new AssertionError("no " + field + " in /proc/self/status");
    }
}
