package dev.multiproc.launcher;

import dev.multiproc.journal.JournalDirectory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Launchers started as a host starts them (see {@code LocalBackend}), in the state directory of a test's journal. */
final class Launchers {
    private Launchers() {
    }

    /** The journal's state directory (0700, inside the 0700 journal directory). */
    static Path stateDir(Path journal) {
        return JournalDirectory.prepare(journal).stateDir();
    }

    /**
     * A launcher of the journal's, with {@code MULTIPROC_JOURNAL} in its environment so that the test's
     * check for processes left behind sees it and its tasks.
     */
    static Launcher start(Path journal, int slots, Duration samplePeriod, Launcher.Events events) throws Exception {
        return start(LauncherBinary.install(journal.resolve("bin")), journal, slots, samplePeriod, events);
    }

    static Launcher start(Path agent, Path journal, int slots, Duration samplePeriod, Launcher.Events events) throws Exception {
        Path stateDir = stateDir(journal);
        return Launcher.start(agent, stateDir, slots, samplePeriod, journal.resolve("agent.log"),
                Map.of("MULTIPROC_JOURNAL", journal.toAbsolutePath().normalize().toString()), events);
    }

    static SpawnRequest task(String key, String command) {
        return task(key, command, Duration.ofSeconds(5));
    }

    static SpawnRequest task(String key, String command, Duration grace) {
        return new SpawnRequest(key, command, List.of(), null, null, 1, 0, 0, grace.toMillis());
    }

    static SpawnRequest withMemoryLimit(String key, String command, long memoryKb) {
        return new SpawnRequest(key, command, List.of(), null, null, 1, 0, memoryKb, 1000);
    }
}
