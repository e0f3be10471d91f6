package dev.multiproc.cli;

/**
 * The log level of the command line, set before any logger exists: warnings by default, {@code -v}
 * for info, {@code -vv} for debug (and stack traces with errors).
 */
final class Verbosity {
    private static int level;

    private Verbosity() {
    }

    static void set(int verbosity) {
        level = verbosity;
        String lib = verbosity >= 2 ? "debug" : verbosity == 1 ? "info" : "warn";
        System.setProperty("org.slf4j.simpleLogger.log.dev.multiproc", lib);
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbosity >= 2 ? "info" : "warn");
    }

    static int level() {
        return level;
    }
}
