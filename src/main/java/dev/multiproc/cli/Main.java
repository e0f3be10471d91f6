package dev.multiproc.cli;

import dev.multiproc.journal.H2Settings;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code multiproc} command line. */
@Command(name = "multiproc",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = {"Runs shell commands as local processes with bounded parallelism, journaled in H2 so that a crash "
                + "loses nothing and a rerun resumes."},
        subcommands = {RunCommand.class, StatusCommand.class, HistoryCommand.class, LogsCommand.class, KillCommand.class, SqlCommand.class,
                ConsoleCommand.class, ServeCommand.class, SubmitCommand.class, WaitCommand.class, BenchCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Examples:", "  multiproc run -j 4 src/examples/hello.txt", "  multiproc status",
                "  multiproc sql \"SELECT * FROM failures\""})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        dev.multiproc.trace.StartupTrace.mainEntered();
        int status = execute(args);
        dev.multiproc.trace.StartupTrace.mark("rest of the command");
        dev.multiproc.trace.StartupTrace.print(System.err);
        System.exit(status);
    }

    /** Runs the command line and returns its exit status; errors become one line on stderr. */
    public static int execute(String... args) {
        H2Settings.bindServersToLoopback(); // before H2 reads it, once: every H2 server here listens on loopback only
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
        dev.multiproc.trace.StartupTrace.mark("picocli set-up");
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
