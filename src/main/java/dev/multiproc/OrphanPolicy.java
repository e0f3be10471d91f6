package dev.multiproc;

/** What a host does, at start, with tasks that are still running from a host that died. */
public enum OrphanPolicy {
    /** Adopt them: they count against parallelism, can be terminated, and their exits are recorded. */
    REATTACH,
    /** Kill each with its whole process tree and record it as terminated by recovery. */
    KILL
}
