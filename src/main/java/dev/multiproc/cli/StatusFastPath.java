package dev.multiproc.cli;

import dev.multiproc.journal.H2Settings;
import java.io.BufferedWriter;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code multiproc status} in its common forms without picocli: people type it many times a day and run it in
 * {@code watch} loops, and picocli's model of even this one command (its annotations read by reflection, a proxy
 * class made per annotation type, which Java 17's archive cannot hold) took a third of it. Only a command line of
 * {@code status} with {@code --json}, {@code --journal DIR}, {@code --config PATH} (either with {@code =}) and
 * {@code -v}/{@code -vv}/{@code --verbose}, each option at most once and no value that starts with {@code -}, is
 * answered here; any other (help, an unknown or repeated option, a missing value) goes to picocli, which answers it
 * or says what is wrong. {@code StatusFastPathTest} checks both paths print the same.
 */
final class StatusFastPath {
    private StatusFastPath() {
    }

    /** The exit status of {@code args} answered here; empty when picocli must answer them. */
    static Optional<Integer> run(String[] args) {
        Optional<StatusCommand> command = parse(args);
        if (command.isEmpty()) {
            return Optional.empty();
        }
        H2Settings.bindServersToLoopback(); // as Main.execute does before any command
        PrintWriter out = writer(System.out, "sun.stdout.encoding");
        Optional<Integer> answered = askTheHost(command.get(), out);
        if (answered.isPresent()) {
            dev.multiproc.trace.StartupTrace.mark("answered by the journal's host");
            return answered;
        }
        return Optional.of(run(command.get(), out, writer(System.err, "sun.stderr.encoding")));
    }

    /** The status as the host holding an H2 journal answers it ({@link StatusSocket}); empty to ask the usual way. */
    private static Optional<Integer> askTheHost(StatusCommand status, PrintWriter out) {
        try {
            if (status.common.verbose.length > 0 || status.common.config().journalUrl() != null) {
                return Optional.empty();
            }
            return StatusSocket.ask(status.common.journalDir().toAbsolutePath().normalize(), status.json, out);
        } catch (RuntimeException e) {
            return Optional.empty(); // a bad configuration, say: the usual way says what is wrong
        }
    }

    static int run(StatusCommand command, PrintWriter out, PrintWriter err) {
        try {
            return command.run(out, err);
        } catch (Exception e) {
            return Main.failed(e, err);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The command {@code args} ask for, when they are a common form of {@code status}. */
    static Optional<StatusCommand> parse(String[] args) {
        if (args.length == 0 || !args[0].equals("status")) {
            return Optional.empty();
        }
        StatusCommand status = new StatusCommand();
        status.common = new CommonOptions();
        int verbosity = -1;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            String value = null;
            String name = a;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else if ((a.equals("--journal") || a.equals("--config")) && i + 1 < args.length) {
                value = args[++i];
            }
            boolean wellFormedValue = value != null && !value.isEmpty() && !value.startsWith("-") && value.indexOf('\0') < 0;
            if (name.equals("--json") && value == null && !status.json) {
                status.json = true;
            } else if (name.equals("--journal") && wellFormedValue && status.common.journal == null) {
                status.common.journal = Path.of(value);
            } else if (name.equals("--config") && wellFormedValue && status.common.config == null) {
                status.common.config = Path.of(value);
            } else if (verbosity < 0 && value == null && (a.equals("-v") || a.equals("-vv") || a.equals("--verbose"))) {
                verbosity = a.equals("-vv") ? 2 : 1;
            } else {
                return Optional.empty();
            }
        }
        status.common.verbose = new boolean[Math.max(0, verbosity)];
        return Optional.of(status);
    }

    /** A writer as picocli makes for standard output and error: their encoding when the JVM names one, else the default. */
    private static PrintWriter writer(OutputStream stream, String encodingProperty) {
        String encoding = System.getProperty(encodingProperty);
        Charset charset;
        try {
            charset = encoding == null ? Charset.defaultCharset()
                    : Charset.forName("cp65001".equalsIgnoreCase(encoding) ? "UTF-8" : encoding);
        } catch (IllegalArgumentException e) {
            charset = Charset.defaultCharset();
        }
        return new PrintWriter(new BufferedWriter(new OutputStreamWriter(stream, charset)), true);
    }
}
