package dev.multiproc.journal;

/** A host session as journaled when it opens the journal; {@code backend} is {@code local} or {@code slurm}. */
public record SessionRow(int sessionId, long startedMs, long hostPid, String hostName, String clusterName, int parallelism,
        String orphanPolicy, String backend, Boolean previousClean) {

    /** This session as the journal numbers it, after {@code previous} (whether the one before ended cleanly). */
    public SessionRow withId(int id, Boolean previous) {
        return new SessionRow(id, startedMs, hostPid, hostName, clusterName, parallelism, orphanPolicy, backend, previous);
    }
}
