package dev.multiproc.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code multiproc} command line. */
@Command(name = "multiproc",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = {"Runs shell commands as local processes with bounded parallelism, journaled in H2 so that a crash "
                + "loses nothing and a rerun resumes."},
        subcommands = {RunCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Example:", "  multiproc run -j 4 commands.txt"})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit status; errors become one line on stderr. */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            err.println("multiproc: error: " + Errors.describe(e));
            if (Verbosity.level() >= 2) {
                e.printStackTrace(err);
            }
            err.flush();
            return 2;
        });
        cli.setParameterExceptionHandler((e, args1) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("multiproc: " + e.getMessage());
            err.println("Try 'multiproc " + (e.getCommandLine().getCommandName().equals("multiproc") ? ""
                    : e.getCommandLine().getCommandName() + " ") + "--help' for more information.");
            err.flush();
            return 2;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
