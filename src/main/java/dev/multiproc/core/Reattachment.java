package dev.multiproc.core;

import dev.multiproc.launcher.Launcher;
import dev.multiproc.launcher.LauncherConnection;
import dev.multiproc.launcher.LauncherRegistry;
import dev.multiproc.state.StateFiles;
import dev.multiproc.launcher.SurvivingLauncher;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The launchers that outlived an earlier host, reattached through their sockets (the containerd-shim
 * pattern): each reports on the tasks it still supervises as this host's own launcher does, and ends them
 * on request. Tasks recovery adopted are watched until then; those a reattached launcher supervises are
 * followed through it from then on. When a connection ends, its tasks are watched again.
 */
final class Reattachment implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Reattachment.class);

    private final LocalBackend backend;
    private final ActiveTasks active;
    private final StateFiles stateFiles;
    private final List<LauncherConnection> connections = new ArrayList<>();

    Reattachment(LocalBackend backend, ActiveTasks active, StateFiles stateFiles) {
        this.backend = backend;
        this.active = active;
        this.stateFiles = stateFiles;
    }

    /** Attaches to every live launcher described in the state directory but {@code ownLauncherPid}. */
    void attachSurvivors(long ownLauncherPid) {
        int dead = LauncherRegistry.removeDead(stateFiles.dir());
        if (dead > 0) {
            log.info("removed the descriptions of {} launchers that are gone", dead);
        }
        for (SurvivingLauncher survivor : LauncherRegistry.findSurvivors(stateFiles.dir())) {
            if (survivor.socket() == null || survivor.pid() == ownLauncherPid) {
                continue;
            }
            LauncherEvents listener = new LauncherEvents(backend, active);
            LauncherConnection connection;
            try {
                connection = LauncherConnection.attach(survivor.socket(), listener);
            } catch (Launcher.LauncherException e) {
                log.warn("cannot reattach to the launcher {} an earlier host left ({}); its tasks are followed through their "
                        + "state files", survivor.pid(), e.getMessage());
                continue;
            }
            listener.ownedBy(connection);
            follow(survivor, connection);
        }
    }

    /** The adopted tasks the launcher supervises are followed through it; events for them may already arrive. */
    private void follow(SurvivingLauncher survivor, LauncherConnection connection) {
        active.lock.lock();
        try {
            connections.add(connection);
            int followed = 0;
            for (LauncherConnection.SupervisedTask t : connection.snapshot()) {
                RunningTask rt = active.byKey(t.key());
                if (rt != null && rt.watched && connection.isAlive()) {
                    rt.watched = false; // still foreign: its slots stay out of this host's launcher's reach
                    rt.launcher = connection;
                    followed++;
                }
            }
            log.info("reattached to launcher {}: {} of its tasks are followed through it", survivor.pid(), followed);
        } finally {
            active.lock.unlock();
        }
    }

    /** Disconnects: the launchers go on supervising what is left, and wait for the next host. */
    @Override
    public void close() {
        List<LauncherConnection> all;
        active.lock.lock();
        try {
            all = List.copyOf(connections);
            connections.clear();
        } finally {
            active.lock.unlock();
        }
        all.forEach(LauncherConnection::close); // outside the lock: their reader threads may be delivering events
    }
}
