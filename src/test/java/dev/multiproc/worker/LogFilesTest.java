package dev.multiproc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class LogFilesTest {
    private static final String DIR = "/var/tmp/mp-logs";

    @Test
    void protocolNames() {
        assertEquals(DIR + "/task.o17", LogFiles.path("stdout", DIR, "task", "17"));
        assertEquals(DIR + "/task.e17", LogFiles.path("stderr", DIR, "task", "17"));
        assertEquals(DIR + "/my-task_1.2.o18_3", LogFiles.path("stdout", DIR, "my-task_1.2", "18_3"));
        assertEquals("rel/dir/x.e5", LogFiles.path("stderr", "rel/dir", "x", "5"));
    }

    @Test
    void devNullWithoutADirectory() {
        assertEquals("/dev/null", LogFiles.path("stdout", null, "task", "17"));
        assertEquals("/dev/null", LogFiles.path("stderr", "", "task", "17"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"stdin", "", "Stdout", "stdout ", "err", "log"})
    void otherLogTypesAreRejected(String type) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LogFiles.path(type, DIR, "task", "17"));
        assertTrue(e.getMessage().contains("stdout") && e.getMessage().contains("stderr"), e.getMessage());
    }

    @Test
    void nullLogTypeIsRejectedLikeOtherTypes() {
        assertThrows(IllegalArgumentException.class, () -> LogFiles.path(null, DIR, "task", "17"));
        assertThrows(IllegalArgumentException.class, () -> new MultiprocessWorkerNode(java.util.Map.of("JOB_ID", "1"))
                .initializeLogfile(null, DIR, "task"));
    }

    static List<String> hostileNames() {
        return List.of("a/b", "/etc/passwd", "../../../etc/passwd", "..", ".", "../", "./..", "a/../../b", "line1\nline2",
                "\n", "nul\0byte", "\0", "..\0/..", "tab\there", "back\\slash", "sp ace", "ünïcødé", "名前", "-", "x".repeat(10_000),
                "../".repeat(5_000), "/".repeat(10_000), ".".repeat(10_000), "a\0".repeat(5_000), "", ".hidden");
    }

    @ParameterizedTest
    @MethodSource("hostileNames")
    void hostileNamesStayInTheDirectory(String name) {
        for (String type : new String[] {"stdout", "stderr"}) {
            String p = LogFiles.path(type, DIR, name, "17");
            Path path = Path.of(p);
            assertEquals(Path.of(DIR), path.normalize().getParent(), p);
            assertEquals(Path.of(DIR), path.getParent(), p);
            String file = path.getFileName().toString();
            assertTrue(file.length() <= 130, "file name of " + file.length() + " characters");
            assertTrue(file.endsWith((type.equals("stdout") ? ".o" : ".e") + "17"), file);
            assertFalse(file.startsWith("."), file);
            assertFalse(file.contains("\n") || file.contains("\0") || file.contains("/"), file);
            assertTrue(file.matches("[A-Za-z0-9._-]+"), file);
        }
    }

    @Test
    void hostileIdStaysInTheDirectory() {
        for (String id : List.of("../x", "/", "..", "a\nb", "9".repeat(10_000))) {
            Path path = Path.of(LogFiles.path("stdout", DIR, "task", id));
            assertEquals(Path.of(DIR), path.normalize().getParent(), path.toString());
            assertTrue(path.getFileName().toString().length() <= 255, path.getFileName().toString());
        }
    }

    @Test
    void relativeDirectoryStaysTheParent() {
        Path path = Path.of(LogFiles.path("stdout", "logs", "../../x", "17"));
        assertEquals(Path.of("logs"), path.normalize().getParent());
    }

    @Test
    void safeNameKeepsSafeCharacters() {
        assertEquals("my-task_1.2", LogFiles.safeName("my-task_1.2"));
        assertEquals("a_b", LogFiles.safeName("a/b"));
        assertEquals("_.", LogFiles.safeName(".."));
        assertEquals("_hidden", LogFiles.safeName(".hidden"));
        assertEquals("line1_line2", LogFiles.safeName("line1\nline2"));
        assertEquals("task", LogFiles.safeName(""));
        assertEquals("task", LogFiles.safeName(null));
        assertEquals(LogFiles.MAX_NAME, LogFiles.safeName("y".repeat(10_000)).length());
        assertEquals("y".repeat(LogFiles.MAX_NAME), LogFiles.safeName("y".repeat(10_000)));
    }

    @Test
    void distinctSafeNamesForDistinctSimpleNames() {
        assertFalse(LogFiles.safeName("task_a").equals(LogFiles.safeName("task_b")));
        assertEquals(DIR + "/task.o17", LogFiles.path("stdout", DIR, null, "17"));
    }
}
