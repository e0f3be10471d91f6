package dev.multiproc;

import dev.multiproc.testing.PostgresJournals;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every protocol test of {@link DistributorProtocolTest}, with the journal on PostgreSQL ({@code journal_url}). */
class DistributorProtocolOnPostgresTest extends DistributorProtocolTest {
    @RegisterExtension
    final PostgresJournals postgres = new PostgresJournals(this::journal);
}
