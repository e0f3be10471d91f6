package dev.multiproc.cli;

import dev.multiproc.journal.H2Settings;
import java.io.BufferedWriter;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.Map;
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
        return answer(command::run, out, err);
    }

    /** A command that prints to the writers it is given, and returns its exit status. */
    interface Printing {
        int run(PrintWriter out, PrintWriter err) throws Exception;
    }

    /** Runs {@code command} as picocli's {@code execute} would: a failure is one line on {@code err} ({@link Main#failed}). */
    static int answer(Printing command, PrintWriter out, PrintWriter err) {
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
        return PlainCommandLine.parse(args, "status", Map.of("--json", "--json"), COMMON_VALUED, 0).map(line -> {
            StatusCommand status = new StatusCommand();
            status.common = common(line);
            status.json = line.has("--json");
            return status;
        });
    }

    /** The options every command has ({@link CommonOptions}) with a value: each name to its long name. */
    static final Map<String, String> COMMON_VALUED = Map.of("--journal", "--journal", "--config", "--config");

    /** The {@link CommonOptions} of a plain command line. */
    static CommonOptions common(PlainCommandLine line) {
        CommonOptions common = new CommonOptions();
        common.journal = line.option("--journal").map(Path::of).orElse(null);
        common.config = line.option("--config").map(Path::of).orElse(null);
        common.verbose = new boolean[line.verbosity()];
        return common;
    }

    /** A writer as picocli makes for standard output and error: their encoding when the JVM names one, else the default. */
    static PrintWriter writer(OutputStream stream, String encodingProperty) {
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
