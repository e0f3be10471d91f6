package dev.multiproc.journal;

/** A host session as journaled when it opens the journal; {@code backend} is {@code local} or {@code slurm}. */
public record SessionRow(int sessionId, long startedMs, long hostPid, String hostName, String clusterName, int parallelism,
        String orphanPolicy, String backend, Boolean previousClean, String host) {

    /** A session of this process, started now on this machine; the journal numbers it when it opens it. */
    public static SessionRow ofThisProcess(String clusterName, int parallelism, String orphanPolicy, String backend) {
        return new SessionRow(0, System.currentTimeMillis(), ProcessHandle.current().pid(), machineName(), clusterName, parallelism,
                orphanPolicy, backend, null, null);
    }

    /**
     * This machine's name: where a host's processes run, and a host's name unless it is given one. The kernel's name
     * for it, as {@code InetAddress.getLocalHost().getHostName()} gives it, but without that call's lookup of the
     * name's address, which waits for DNS (seconds on a machine whose name is not in /etc/hosts and whose DNS does not
     * answer).
     */
    public static String machineName() {
        try {
            String name = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/hostname")).strip();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: ask the JDK
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    /** This session as the journal numbers it, after {@code previous} (whether the one before ended cleanly). */
    public SessionRow withId(int id, Boolean previous) {
        return new SessionRow(id, startedMs, hostPid, hostName, clusterName, parallelism, orphanPolicy, backend, previous, host);
    }

    /** This session as a session of the host named {@code name}. */
    public SessionRow withHost(String name) {
        return new SessionRow(sessionId, startedMs, hostPid, hostName, clusterName, parallelism, orphanPolicy, backend, previousClean, name);
    }
}
