package dev.multiproc.core;

import dev.multiproc.journal.SqlTaskJournal;
import dev.multiproc.journal.TaskJournal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A closing host runs a {@link JournalFarewell} through these: what fails in it is logged, and the host closes all the same. */
final class Farewells {
    private static final Logger log = LoggerFactory.getLogger(Farewells.class);

    private Farewells() {
    }

    /** Lets {@code farewell} (if any) read {@code journal}; true when it did. */
    static boolean read(JournalFarewell farewell, TaskJournal journal) {
        if (farewell == null || !(journal instanceof SqlTaskJournal sql)) {
            return false;
        }
        try {
            sql.store().jdbi().useHandle(h -> farewell.read(h.getConnection()));
            return true;
        } catch (Exception e) {
            log.debug("reading the journal as the host leaves it: {}", e.toString());
            return false;
        }
    }

    static void closed(JournalFarewell farewell) {
        try {
            farewell.closed();
        } catch (RuntimeException e) {
            log.debug("after the journal closed: {}", e.toString());
        }
    }
}
