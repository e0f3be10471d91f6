package dev.multiproc.launcher;

import dev.multiproc.proc.ProcessIdentity;

import java.nio.file.Path;

/**
 * A launcher found running through its description in a state directory ({@code launcher.<pid>}, see
 * {@code mpagent.h}). {@code socket} is where it listens for a host to reattach; null when it has no
 * socket (its path was too long for one).
 */
public record SurvivingLauncher(long pid, long startTicks, int version, Path socket) {

    public ProcessIdentity identity() {
        return new ProcessIdentity(pid, startTicks);
    }
}
