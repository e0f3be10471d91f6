package dev.multiproc;

import dev.multiproc.testing.PostgresJournals;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every protocol test of {@link DistributorProtocolTest}, with the journal on PostgreSQL ({@code journal_url}). */
@Tag("slow") // PostgreSQL journals; CI runs the slow tier with the server up (the default tier stays under 90 s)
class DistributorProtocolOnPostgresTest extends DistributorProtocolTest {
    @RegisterExtension
    final PostgresJournals postgres = new PostgresJournals(this::journal);
}
