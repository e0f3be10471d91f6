package dev.multiproc.core;

import dev.multiproc.journal.JournalServer;
import dev.multiproc.journal.TaskJournal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's journal server ({@link JournalServer}), started on a thread of its own while the host goes on: starting
 * H2's TCP server took 21 to 43 ms of every host's start, for the readers that may come while it runs (they wait for
 * its port to be published). One that cannot start is logged, and the readers say the host has not published it.
 */
final class BackgroundJournalServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BackgroundJournalServer.class);

    private final Thread starting;
    private volatile JournalServer server;

    private BackgroundJournalServer(TaskJournal journal) {
        this.starting = new Thread(() -> {
            try {
                server = journal.startLocalServer();
            } catch (RuntimeException e) {
                log.error("the journal server did not start, so other processes cannot read the journal while this host runs: {}",
                        e.getMessage());
            }
        }, "multiproc-journal-server-start");
        starting.setDaemon(true);
    }

    static BackgroundJournalServer start(TaskJournal journal) {
        BackgroundJournalServer s = new BackgroundJournalServer(journal);
        s.starting.start();
        return s;
    }

    /** Waits for the start to end, then stops the server if it started. */
    @Override
    public void close() {
        boolean interrupted = false;
        while (true) {
            try {
                starting.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the server must not outlive the journal it serves
            }
        }
        if (server != null) {
            server.close();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
