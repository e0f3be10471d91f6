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
        footer = {"", "Examples:", "  multiproc run -j 4 src/examples/hello.txt", "  multiproc status",
                "  multiproc sql \"SELECT * FROM failures\""})
public final class Main implements Runnable {
    /**
     * The subcommands, in the order of the usage. Picocli builds the model of every registered command by
     * reflection before it parses; a command line that names one gets only that one (a third of the start-up),
     * and the top-level usage and version get none (see {@link CommandSummaries}).
     */
    static java.util.Map<String, Subcommand> subcommands() {
        return Registry.SUBCOMMANDS;
    }

    /** Built at first use, not when {@code Main} loads: the printed usage needs none of it. */
    private static final class Registry {
        static final java.util.Map<String, Subcommand> SUBCOMMANDS = all();
    }

    /** A subcommand's class (for its summary) and how to make one. */
    record Subcommand(Class<?> type, java.util.function.Supplier<Object> factory) {
    }

    private static java.util.Map<String, Subcommand> all() {
        java.util.Map<String, Subcommand> m = new java.util.LinkedHashMap<>();
        m.put("run", new Subcommand(RunCommand.class, RunCommand::new));
        m.put("status", new Subcommand(StatusCommand.class, StatusCommand::new));
        m.put("history", new Subcommand(HistoryCommand.class, HistoryCommand::new));
        m.put("logs", new Subcommand(LogsCommand.class, LogsCommand::new));
        m.put("kill", new Subcommand(KillCommand.class, KillCommand::new));
        m.put("sql", new Subcommand(SqlCommand.class, SqlCommand::new));
        m.put("console", new Subcommand(ConsoleCommand.class, ConsoleCommand::new));
        m.put("serve", new Subcommand(ServeCommand.class, ServeCommand::new));
        m.put("submit", new Subcommand(SubmitCommand.class, SubmitCommand::new));
        m.put("wait", new Subcommand(WaitCommand.class, WaitCommand::new));
        m.put("bench", new Subcommand(BenchCommand.class, BenchCommand::new));
        m.put("help", new Subcommand(CommandLine.HelpCommand.class, CommandLine.HelpCommand::new));
        return m;
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        dev.multiproc.trace.StartupTrace.mainEntered();
        int status = PrintedUsage.print(args, System.out) ? 0
                : StatusFastPath.run(args).or(() -> RunFastPath.run(args)).orElseGet(() -> execute(args));
        dev.multiproc.trace.StartupTrace.mark("rest of the command");
        dev.multiproc.trace.StartupTrace.print(System.err);
        System.exit(status);
    }

    /** Runs the command line and returns its exit status; errors become one line on stderr. */
    public static int execute(String... args) {
        H2Settings.bindServersToLoopback(); // before H2 reads it, once: every H2 server here listens on loopback only
        CommandLine cli = new CommandLine(new Main());
        String named = args.length > 0 && !args[0].equals("help") && subcommands().containsKey(args[0]) ? args[0] : null;
        if (CommandSummaries.suffice(args)) {
            CommandSummaries.add(cli, subcommands());
        } else {
            subcommands().forEach((name, command) -> {
                if (named == null || named.equals(name)) {
                    cli.addSubcommand(name, command.factory().get());
                }
            });
        }
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> failed(e, cmd.getErr()));
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

    /** A command failed with {@code e}: one line on {@code err} (and the stack trace at -vv); the exit status. */
    static int failed(Exception e, PrintWriter err) {
        err.println("multiproc: error: " + Errors.describe(e));
        if (Verbosity.level() >= 2) {
            e.printStackTrace(err);
        }
        err.flush();
        return 2;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
