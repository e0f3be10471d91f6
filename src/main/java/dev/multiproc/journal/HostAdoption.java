package dev.multiproc.journal;

import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * A host takes over another, gone for good, on a PostgreSQL journal: the gone host's sessions (so its jobs and their
 * tasks, which the adopting host's recovery then settles) and its runs become the adopting host's. Its exit information
 * keeps its name: it is still found by task id, and no longer bounded. Refused while the gone host runs (its name's lock
 * is taken for the while), when it never used the journal, and when it ran on another machine: its processes, and the
 * state files recovery reads, are there. A host that already adopted it starts again with {@code adopt_host} still set
 * as before: there is nothing left to take.
 */
final class HostAdoption {
    private HostAdoption() {
    }

    static void adopt(PostgresJournalSettings settings, PostgresJournal db, String host, String gone) {
        PostgresHostLock goneLock;
        try {
            goneLock = PostgresHostLock.acquire(settings, gone);
        } catch (JournalException e) {
            throw new JournalException("cannot adopt host " + gone + ": " + e.getMessage(), e);
        }
        try (goneLock) {
            String machine = SessionRow.machineName();
            db.jdbi().useTransaction(h -> {
                var lastMachine = h.createQuery("SELECT host_name FROM host_session WHERE host = :gone ORDER BY session_id DESC")
                        .bind("gone", gone).mapTo(String.class).findFirst();
                if (lastMachine.isEmpty() && h.createQuery("SELECT COUNT(*) FROM host_session WHERE host = :host").bind("host", host)
                        .mapTo(Integer.class).one() > 0) {
                    // a restart of the host that adopted it, with adopt_host still in its configuration: nothing left to take
                    org.slf4j.LoggerFactory.getLogger(HostAdoption.class).info("host {} has no sessions left to adopt ({} has taken "
                            + "them, or it never used the journal): adopt_host can go from the configuration", gone, host);
                    return;
                }
                if (lastMachine.isEmpty()) {
                    throw new JournalException("cannot adopt host " + gone + ": no host of that name has used the journal on "
                            + settings.url() + " (the host_sessions view lists those that have)");
                }
                if (!lastMachine.get().equals(machine)) {
                    throw new JournalException("cannot adopt host " + gone + " here: it ran on " + lastMachine.get() + ", this is "
                            + machine + "; its processes and their state files are there: adopt it from a host on " + lastMachine.get());
                }
                try {
                    h.createUpdate("UPDATE run SET host = :host WHERE host = :gone").bind("host", host).bind("gone", gone).execute();
                } catch (UnableToExecuteStatementException e) {
                    throw new JournalException("cannot adopt host " + gone + ": it and " + host + " both have a run of the same name "
                            + "(the runs view shows them); " + Journal.rootMessage(e), e);
                }
                int sessions = h.createUpdate("UPDATE host_session SET host = :host WHERE host = :gone").bind("host", host)
                        .bind("gone", gone).execute();
                org.slf4j.LoggerFactory.getLogger(HostAdoption.class).info("host {} adopted host {}: {} sessions, with their tasks",
                        host, gone, sessions);
            });
        }
    }
}
