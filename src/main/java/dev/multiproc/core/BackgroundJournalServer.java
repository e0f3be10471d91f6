package dev.multiproc.core;

import dev.multiproc.journal.JournalServer;
import dev.multiproc.journal.TaskJournal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's journal server ({@link JournalServer}), started on a thread of its own while the host opens its session and
 * recovers: starting H2's TCP server took 21 to 43 ms of every host's start. The host's {@code start()} returns once it
 * is published. One that cannot start is logged, and the readers say the host has not published it.
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

    /** Waits until {@code s}'s start has ended (null: no server), so that a started host has published its server. */
    static void awaitStarted(BackgroundJournalServer s) {
        if (s == null) {
            return;
        }
        boolean interrupted = false;
        while (true) {
            try {
                s.starting.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the server must not outlive the journal it serves, nor be half-started when asked for
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for the start to end, then stops the server if it started. */
    @Override
    public void close() {
        awaitStarted(this);
        if (server != null) {
            server.close();
        }
    }
}
