package dev.multiproc.cli;

import picocli.CommandLine.Option;

/** --json and --csv, for the commands that print rows. */
final class OutputOptions {
    @Option(names = "--json", description = "Print JSON, for scripts.")
    boolean json;

    @Option(names = "--csv", description = "Print CSV, for spreadsheets.")
    boolean csv;

    Table.Format format() {
        if (json && csv) {
            throw new IllegalArgumentException("--json and --csv cannot be used together");
        }
        return json ? Table.Format.JSON : csv ? Table.Format.CSV : Table.Format.TABLE;
    }
}
