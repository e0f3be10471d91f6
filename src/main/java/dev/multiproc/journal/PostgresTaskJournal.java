package dev.multiproc.journal;

/**
 * The task journal on a PostgreSQL server ({@code journal_url}): {@link PostgresJournal} and its one {@link JournalWriter},
 * for one named host among the several that may share the database ({@link HostScope}).
 */
public final class PostgresTaskJournal extends SqlTaskJournal {
    private final PostgresJournal db;

    private PostgresTaskJournal(PostgresJournal db, int exitInfoSizeLimit, String host) {
        super(db, exitInfoSizeLimit, host, HostScope.of(host));
        this.db = db;
    }

    /**
     * Opens the journal for the host named {@code host} (refused while another host of that name has it open), after
     * taking over the host named {@code adoptHost} (null: none), which must have run on this machine and be gone.
     */
    public static PostgresTaskJournal open(PostgresJournalSettings settings, String host, String adoptHost, int exitInfoSizeLimit) {
        PostgresJournal db = PostgresJournal.open(settings, host);
        try {
            if (adoptHost != null) {
                HostAdoption.adopt(settings, db, host, adoptHost);
            }
            return new PostgresTaskJournal(db, exitInfoSizeLimit, host);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** Every process of every machine reaches the server: {@code kill} leaves its request there. */
    @Override
    public boolean requestsReachTheJournal() {
        return true;
    }

    @Override
    public java.util.Optional<String> supplanted() {
        return db.supplanted();
    }

    /** The database itself: for tests that look inside. */
    public PostgresJournal database() {
        return db;
    }
}
