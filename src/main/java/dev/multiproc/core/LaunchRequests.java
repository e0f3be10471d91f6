package dev.multiproc.core;

import dev.multiproc.launcher.SpawnRequest;
import dev.multiproc.worker.LogFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Turns a task to start into the launcher's spawn request: its command, environment, limits and log files. */
final class LaunchRequests {
    private static final int MAX_REMEMBERED_LOG_DIRS = 1024;

    private final DispatchSettings settings;
    /** Log directories already created, so each is made once; forgotten in bulk when tasks name very many. */
    private final Set<Path> logDirsMade = new HashSet<>();

    LaunchRequests(DispatchSettings settings) {
        this.settings = settings;
    }

    /** The request for {@code rt}; creates its log directories first. Caller holds the active set's lock. */
    SpawnRequest of(RunningTask rt) throws IOException {
        JobSpec spec = rt.task.spec();
        Resources r = spec.resources();
        List<String> env = new ArrayList<>(2 + spec.environment().size());
        spec.environment().forEach((k, v) -> env.add(k + "=" + v));
        env.add("JOB_ID=" + spec.jobId());
        if (rt.task.step() != null) {
            env.add("ARRAY_STEP_ID=" + rt.task.step());
        }
        return new SpawnRequest(rt.key, spec.command(), env, logPath("stdout", r.stdoutDir(), spec.name(), rt.taskId),
                logPath("stderr", r.stderrDir(), spec.name(), rt.taskId), rt.cores(),
                r.runtimeSeconds() == null ? 0 : r.runtimeSeconds() * 1000,
                r.memoryBytes() == null ? 0 : (r.memoryBytes() + 1023) / 1024, settings.killGrace().toMillis());
    }

    int rememberedDirectories() {
        return logDirsMade.size();
    }

    private String logPath(String type, String requestedDir, String name, String taskId) throws IOException {
        Path dir = requestedDir != null ? Path.of(requestedDir) : settings.logDir();
        if (dir == null) {
            return null;
        }
        dir = dir.toAbsolutePath();
        if (!logDirsMade.contains(dir)) {
            LogDirectories.create(dir);
            if (logDirsMade.size() >= MAX_REMEMBERED_LOG_DIRS) {
                logDirsMade.clear();
            }
            logDirsMade.add(dir);
        }
        return LogFiles.path(type, dir.toString(), name, taskId);
    }
}
