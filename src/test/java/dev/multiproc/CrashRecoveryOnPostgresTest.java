package dev.multiproc;

import dev.multiproc.testing.PostgresJournals;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every crash-recovery test of {@link CrashRecoveryTest}, with the journal on PostgreSQL: a SIGKILLed host JVM, a successor. */
class CrashRecoveryOnPostgresTest extends CrashRecoveryTest {
    @RegisterExtension
    final PostgresJournals postgres = new PostgresJournals(this::journal);
}
