package dev.multiproc.core;

import java.sql.Connection;

/**
 * What the owner of a host does with the journal as the host leaves it ({@link Engine#leave}): it
 * reads the journal's last state, then acts once the journal's file is closed and before the host lets go of it.
 */
public interface JournalFarewell {
    /**
     * After the session's end is committed, before the journal closes: nothing changes the journal after this, not even
     * the tasks a detaching host leaves running (their launchers record their ends outside it, for the next host).
     */
    void read(Connection journal) throws Exception;

    /** After the journal closed, while the host still holds the journal's lock. Not called when reading failed. */
    void closed();
}
