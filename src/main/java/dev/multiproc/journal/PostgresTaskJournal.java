package dev.multiproc.journal;

/** The task journal on a PostgreSQL server ({@code journal_url}): {@link PostgresJournal} and its one {@link JournalWriter}. */
public final class PostgresTaskJournal extends SqlTaskJournal {
    private final PostgresJournal db;

    private PostgresTaskJournal(PostgresJournal db, int exitInfoSizeLimit) {
        super(db, exitInfoSizeLimit);
        this.db = db;
    }

    public static PostgresTaskJournal open(PostgresJournalSettings settings, int exitInfoSizeLimit) {
        PostgresJournal db = PostgresJournal.open(settings);
        try {
            return new PostgresTaskJournal(db, exitInfoSizeLimit);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** The database itself: for tests that look inside. */
    public PostgresJournal database() {
        return db;
    }
}
