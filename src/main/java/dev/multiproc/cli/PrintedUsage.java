package dev.multiproc.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;

/**
 * {@code multiproc}, {@code multiproc --help} and {@code --version} without picocli's model: the build renders
 * the top-level usage once, plain and in colour ({@link #main}), into the jar; at run time it is printed as it
 * is. Picocli's classes are of Java 5's class format, which the class-data-sharing archive cannot hold, so
 * building even the stand-ins' model costs more than the rest of the command. A system property that changes
 * picocli's rendering ({@code picocli.usage.width}, {@code picocli.ansi}) sends the command line to picocli.
 */
final class PrintedUsage {
    static final String PLAIN = "usage.txt";
    static final String COLOURED = "usage-ansi.txt";

    private PrintedUsage() {
    }

    /** Prints what {@code args} asks for and returns true, or returns false when picocli must answer. */
    static boolean print(String[] args, PrintStream out) {
        if (!CommandSummaries.suffice(args) || System.getProperty("picocli.usage.width") != null
                || System.getProperty("picocli.ansi") != null) {
            return false;
        }
        if (args.length == 1 && (args[0].equals("-V") || args[0].equals("--version"))) {
            out.println("multiproc " + Version.of());
            out.flush();
            return true;
        }
        String text = resource(Ansi.AUTO.enabled() ? COLOURED : PLAIN);
        if (text == null) {
            return false; // a build from an IDE that skipped the rendering: picocli renders it
        }
        out.print(text);
        out.flush();
        return true;
    }

    private static String resource(String name) {
        try (InputStream in = PrintedUsage.class.getResourceAsStream(name)) {
            return in == null ? null : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The top-level usage as picocli renders it, with the subcommands' stand-ins. */
    static String render(Ansi ansi) {
        CommandLine cli = new CommandLine(new Main());
        CommandSummaries.add(cli, Main.subcommands());
        return cli.getUsageMessage(ansi);
    }

    /** At build time: writes both renderings into the directory {@code args[0]} (this class's package in the jar). */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(PLAIN), render(Ansi.OFF));
        Files.writeString(dir.resolve(COLOURED), render(Ansi.ON));
    }
}
