package dev.multiproc.cli;

import dev.multiproc.core.JournalFarewell;
import dev.multiproc.journal.JournalDirectory;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;

/**
 * The answer {@code status} will give about a journal that a host leaves (a run that ends or leaves its tasks running, a
 * service that stops): the host prints it from the journal's last state, and keeps it ({@link SavedStatus}) once the
 * journal's file is closed, keyed by that file. The next {@code status} prints it without opening the file (half the
 * time, in the README's figures).
 */
final class StatusLeftByHost implements JournalFarewell {
    private final JournalDirectory dir;
    private String text;

    StatusLeftByHost(JournalDirectory dir) {
        this.dir = dir;
    }

    /** For the host of {@code common}'s journal; null for a PostgreSQL journal (whose status is not kept), or one not found. */
    static StatusLeftByHost forJournal(CommonOptions common) {
        try {
            return common.config().journalUrl() == null ? new StatusLeftByHost(JournalLocation.existing(common.journalDir())) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public void read(Connection journal) throws Exception {
        // the text form only: the JSON form set up Jackson in every host, 36 ms of a run of one line (12 runs each)
        StringWriter printed = new StringWriter();
        StatusCommand.render(journal, dir.root().toString(), null, false, new PrintWriter(printed));
        text = printed.toString();
    }

    @Override
    public void closed() {
        if (text != null) {
            SavedStatus.leftByHost(dir, text);
        }
    }
}
