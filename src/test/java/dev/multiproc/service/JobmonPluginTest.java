package dev.multiproc.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.multiproc.testing.Jvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Jobmon plugin's own unittest suite (clients/jobmon/tests), run with Python against live services started from
 * this build's classes. It takes a minute or more: the slow tier.
 */
@Tag("slow")
class JobmonPluginTest {
    @TempDir
    Path tmp;

    @Test
    void thePluginsUnittestSuitePassesAgainstALiveService() throws Exception {
        Path plugin = Path.of("clients", "jobmon").toAbsolutePath();
        assumeTrue(pythonRuns(), "python3 does not run here: the Jobmon plugin's tests need it");
        List<String> multiproc = new ArrayList<>(Jvm.command());
        multiproc.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.multiproc.cli.Main"));
        ProcessBuilder pb = new ProcessBuilder("python3", "-m", "unittest", "discover", "-s", "tests", "-v").directory(plugin.toFile())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("unittest.log").toFile());
        pb.environment().put("MULTIPROC_COMMAND", String.join(" ", multiproc.stream().map(JobmonPluginTest::quoted).toList()));
        pb.environment().remove("MULTIPROC_SERVICE_JOURNAL");
        Process p = pb.start();
        boolean ended = p.waitFor(10, TimeUnit.MINUTES);
        if (!ended) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String log = Files.readString(tmp.resolve("unittest.log"));
        assertEquals(true, ended, "the suite did not end in 10 minutes:\n" + log);
        assertEquals(0, p.exitValue(), "the plugin's unittest suite failed:\n" + log);
    }

    private static boolean pythonRuns() {
        try {
            Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String quoted(String word) {
        return "'" + word.replace("'", "'\"'\"'") + "'";
    }
}
