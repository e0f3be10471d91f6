package dev.multiproc;

import dev.multiproc.testing.PostgresJournals;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every crash-recovery test of {@link CrashRecoveryTest}, with the journal on PostgreSQL: a SIGKILLed host JVM, a successor. */
@Tag("slow") // PostgreSQL journals; CI runs the slow tier with the server up (the default tier stays under 90 s)
class CrashRecoveryOnPostgresTest extends CrashRecoveryTest {
    @RegisterExtension
    final PostgresJournals postgres = new PostgresJournals(this::journal);
}
