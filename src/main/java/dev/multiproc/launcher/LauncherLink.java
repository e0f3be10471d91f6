package dev.multiproc.launcher;

import java.io.IOException;

/**
 * A host's line to one launcher: the one it started ({@link Launcher}), or one that outlived an earlier
 * host and was reattached through its socket ({@link LauncherConnection}). Either reports its tasks'
 * starts and ends as {@link Launcher.Events} and ends a task on request.
 */
public interface LauncherLink {
    /** Terminates one of this launcher's tasks: SIGTERM to its process group, SIGKILL after its grace. */
    void kill(String key) throws IOException;

    /** Whether the launcher still talks to this host. */
    boolean isAlive();

    /** The unit of the start times it reports, from its handshake. */
    long clockTicksPerSecond();
}
