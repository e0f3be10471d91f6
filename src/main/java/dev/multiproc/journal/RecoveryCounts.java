package dev.multiproc.journal;

/** What recovery found at the start of a session. */
public record RecoveryCounts(int reattached, int finishedWhileDown, int lost, int requeued, int killed, long recoveryMs) {
    public int total() {
        return reattached + finishedWhileDown + lost + requeued + killed;
    }
}
