package dev.multiproc.journal;

/** A host session as journaled when it opens the journal. */
public record SessionRow(int sessionId, long startedMs, long hostPid, String hostName, String clusterName, int parallelism,
        String orphanPolicy, Boolean previousClean) {
}
