package dev.multiproc.journal;

/**
 * The task journal in an embedded H2 database: {@link Journal} (the file, its migrations, pool, redo
 * log and repair) and its one {@link JournalWriter}. Reads go through the pool; every write through
 * the writer, so that each commit bumps the generation and reaches the redo log.
 */
public final class H2TaskJournal extends SqlTaskJournal {
    private final Journal db;

    private H2TaskJournal(Journal db, int exitInfoSizeLimit, String host) {
        super(db, exitInfoSizeLimit, host, HostScope.WHOLE_JOURNAL);
        this.db = db;
    }

    /**
     * Opens (creating, migrating or repairing as needed) the journal in {@code dir} for the host named {@code host}. The
     * caller holds its {@link HostLock}. The name is recorded with the host's sessions; every task in the file is this
     * host's, as one host holds an H2 journal.
     */
    public static H2TaskJournal open(JournalDirectory dir, boolean syncCommits, int exitInfoSizeLimit, String host) {
        Journal db = Journal.open(dir, syncCommits);
        try {
            H2TaskJournal journal = new H2TaskJournal(db, exitInfoSizeLimit, host);
            dev.multiproc.trace.StartupTrace.mark("journal writer (Jdbi's first SQL object)");
            return journal;
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    @Override
    public JournalServer startLocalServer() {
        return JournalServer.start(db);
    }

    /** The database itself: for the journal server, and for tests that look inside. */
    public Journal database() {
        return db;
    }
}
