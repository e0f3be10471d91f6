package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The top-level usage built from the subcommands' stand-ins is the one their whole models give. */
class CommandSummariesTest {
    @Test
    void theTopLevelUsageIsTheSameWithStandIns() {
        CommandLine whole = new CommandLine(new Main());
        Main.subcommands().forEach((name, command) -> whole.addSubcommand(name, command.factory().get()));
        CommandLine standIns = new CommandLine(new Main());
        CommandSummaries.add(standIns, Main.subcommands());
        assertEquals(whole.getUsageMessage(), standIns.getUsageMessage());
        assertTrue(standIns.getUsageMessage().contains("Runs one shell command per line of FILE"), standIns.getUsageMessage());
    }

    @Test
    void onlyTheTopLevelUsageAndTheVersionMakeDoWithStandIns() {
        assertTrue(CommandSummaries.suffice(new String[0]));
        assertTrue(CommandSummaries.suffice(new String[] {"--help"}));
        assertTrue(CommandSummaries.suffice(new String[] {"-V"}));
        assertFalse(CommandSummaries.suffice(new String[] {"--help", "run"}));
        assertFalse(CommandSummaries.suffice(new String[] {"help"}));
        assertFalse(CommandSummaries.suffice(new String[] {"status"}));
    }
}
