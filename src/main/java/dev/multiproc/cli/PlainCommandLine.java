package dev.multiproc.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A command line in the plain form that the fast paths answer without picocli ({@link StatusFastPath}, {@link RunFastPath}):
 * the command, then options each given at most once (a flag alone; an option with a value as {@code --name value} or
 * {@code --name=value}, the value neither empty nor starting with {@code -}, with no NUL), {@code -v}, {@code -vv} or
 * {@code --verbose} at most once, and the expected number of operands ({@code -} alone is one: standard input). Anything
 * else (help, an unknown or repeated option, a missing value, {@code --}) is not plain: picocli answers it, or says what is
 * wrong, as it always did. So does any argument that starts with {@code @}, which picocli takes for a file of
 * arguments.
 */
final class PlainCommandLine {
    private final Map<String, String> options;
    private final List<String> operands;
    private final int verbosity;

    private PlainCommandLine(Map<String, String> options, List<String> operands, int verbosity) {
        this.options = options;
        this.operands = operands;
        this.verbosity = verbosity;
    }

    /**
     * {@code args} when they are {@code command} in the plain form: {@code flags} are options without a value, {@code valued}
     * options with one, each name mapped to the option it stands for (its long name); empty otherwise.
     */
    static Optional<PlainCommandLine> parse(String[] args, String command, Map<String, String> flags, Map<String, String> valued,
            int operandCount) {
        if (args.length == 0 || !args[0].equals(command)) {
            return Optional.empty();
        }
        Map<String, String> options = new HashMap<>();
        List<String> operands = new ArrayList<>();
        int verbosity = -1;
        if (java.util.Arrays.stream(args, 1, args.length).anyMatch(a -> a.startsWith("@"))) {
            return Optional.empty(); // picocli reads the arguments from that file
        }
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            int eq = a.indexOf('=');
            String name = a.startsWith("--") && eq > 0 ? a.substring(0, eq) : a;
            String value = a.startsWith("--") && eq > 0 ? a.substring(eq + 1) : null;
            if (value == null && valued.containsKey(name) && i + 1 < args.length) {
                value = args[++i];
            }
            if (flags.containsKey(name) && value == null && !options.containsKey(flags.get(name))) {
                options.put(flags.get(name), "");
            } else if (valued.containsKey(name) && wellFormed(value) && !options.containsKey(valued.get(name))) {
                options.put(valued.get(name), value);
            } else if (verbosity < 0 && value == null && Set.of("-v", "-vv", "--verbose").contains(a)) {
                verbosity = a.equals("-vv") ? 2 : 1;
            } else if ((a.equals("-") || !a.startsWith("-")) && !a.isEmpty() && a.indexOf('\0') < 0 && operands.size() < operandCount) {
                operands.add(a);
            } else {
                return Optional.empty();
            }
        }
        return operands.size() == operandCount ? Optional.of(new PlainCommandLine(options, operands, Math.max(0, verbosity)))
                : Optional.empty();
    }

    private static boolean wellFormed(String value) {
        return value != null && !value.isEmpty() && !value.startsWith("-") && value.indexOf('\0') < 0;
    }

    /** The value of the option {@code name} (its long name); empty when it was not given; {@code ""} for a flag given. */
    Optional<String> option(String name) {
        return Optional.ofNullable(options.get(name));
    }

    boolean has(String flag) {
        return options.containsKey(flag);
    }

    List<String> operands() {
        return operands;
    }

    /** How many {@code -v} were given: 0, 1 or 2. */
    int verbosity() {
        return verbosity;
    }
}
