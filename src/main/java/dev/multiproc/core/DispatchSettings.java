package dev.multiproc.core;

import dev.multiproc.state.StateFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * What the dispatcher needs to know about its host.
 *
 * @param parallelism    slots: tasks running at once, counting a task of {@code cores: c} c times
 * @param maxOvertakes   how many later tasks may start ahead of a task waiting for slots
 * @param killGrace      time between SIGTERM and SIGKILL when a task is terminated or over a limit
 * @param sampleInterval how often the launcher samples the memory of its tasks
 * @param logDir         default directory for task output; null discards it
 * @param launcherBinary the launcher program (mpagent)
 * @param launcherLog    where the launcher writes its own errors
 * @param environment    added to every task's environment (never credentials)
 */
public record DispatchSettings(int parallelism, int maxOvertakes, Duration killGrace, Duration sampleInterval, Path logDir,
        StateFiles stateFiles, Path launcherBinary, Path launcherLog, Map<String, String> environment, int sessionId,
        Duration watchInterval) {
}
