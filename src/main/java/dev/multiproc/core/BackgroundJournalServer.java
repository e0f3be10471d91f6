package dev.multiproc.core;

import dev.multiproc.journal.JournalServer;
import dev.multiproc.journal.TaskJournal;

/**
 * The host's journal server ({@link JournalServer}), started on a thread of its own while the host opens its session and
 * recovers: starting H2's TCP server took 21 to 43 ms of every host's start. The host's {@code start()} returns once it
 * is published, and fails, as it did before, when it could not start (the check that it listens on loopback only comes
 * first, {@link #checkBeforeTheHostStarts}, before anything starts).
 */
final class BackgroundJournalServer implements AutoCloseable {
    private final Thread starting;
    private volatile JournalServer server;
    private volatile RuntimeException failure;

    private BackgroundJournalServer(TaskJournal journal) {
        this.starting = new Thread(() -> {
            try {
                server = journal.startLocalServer();
            } catch (RuntimeException e) {
                failure = e;
            }
        }, "multiproc-journal-server-start");
        starting.setDaemon(true);
    }

    /** Throws, before a host starts anything, when it is to serve an H2 journal and H2's servers would not listen on loopback only. */
    static void checkBeforeTheHostStarts(EngineSettings settings) {
        if (settings.journalServer() && settings.postgres() == null) {
            JournalServer.requireLoopbackOnly();
        }
    }

    static BackgroundJournalServer start(TaskJournal journal) {
        BackgroundJournalServer s = new BackgroundJournalServer(journal);
        s.starting.start();
        return s;
    }

    /**
     * Waits until {@code s}'s start has ended (null: no server), so that a started host has published its server; throws
     * what kept it from starting, as the host's start did when the server started on its thread.
     */
    static void awaitStarted(BackgroundJournalServer s) {
        awaitEnd(s);
        if (s != null && s.failure != null) {
            throw s.failure;
        }
    }

    private static void awaitEnd(BackgroundJournalServer s) {
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
        awaitEnd(this);
        if (server != null) {
            server.close();
        }
    }
}
