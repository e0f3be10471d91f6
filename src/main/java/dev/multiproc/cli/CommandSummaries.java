package dev.multiproc.cli;

import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The top-level usage lists each subcommand by its name and summary, and {@code --version} needs none: for
 * those command lines the subcommands are stand-ins that carry only what their {@code @Command} annotation
 * says, where picocli would build each one's whole model (its options, by reflection) first.
 */
final class CommandSummaries {
    private static final Set<String> TOP_LEVEL_ONLY = Set.of("-h", "--help", "-V", "--version");

    private CommandSummaries() {
    }

    /** Whether {@code args} asks only for the top-level usage or the version (or for nothing: the usage). */
    static boolean suffice(String[] args) {
        return args.length == 0 || args.length == 1 && TOP_LEVEL_ONLY.contains(args[0]);
    }

    /** Adds a stand-in for each subcommand: its name, header and description, no options. */
    static void add(CommandLine cli, Map<String, Main.Subcommand> subcommands) {
        subcommands.forEach((name, subcommand) -> {
            Command annotation = subcommand.type().getAnnotation(Command.class);
            CommandSpec spec = CommandSpec.create().name(name);
            spec.usageMessage().header(annotation.header()).description(annotation.description());
            cli.addSubcommand(name, new CommandLine(spec));
        });
    }
}
