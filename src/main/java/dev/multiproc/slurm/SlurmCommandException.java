package dev.multiproc.slurm;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A Slurm command that failed: it could not be started, did not finish in time, or exited non-zero. The message is
 * one line with the command, its exit status and what it wrote to standard error.
 */
public final class SlurmCommandException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private static final List<String> TRANSIENT = List.of("socket timed out", "unable to contact slurm controller",
            "temporarily unable", "resource temporarily unavailable", "connection refused", "did not finish within",
            "slurm_persist_conn_open", "try again");

    private final List<String> command;
    private final Integer exitStatus;
    private final String stderr;

    SlurmCommandException(List<String> command, Integer exitStatus, String stderr, String what, Throwable cause) {
        super(String.join(" ", shortened(command)) + " " + what + (stderr.isBlank() ? "" : ": " + oneLine(stderr)), cause);
        this.command = List.copyOf(command);
        this.exitStatus = exitStatus;
        this.stderr = stderr;
    }

    /** The command line as run (its first element the program). */
    public List<String> command() {
        return command;
    }

    /** Its exit status; null when it could not be started or did not finish in time. */
    public Integer exitStatus() {
        return exitStatus;
    }

    public String stderr() {
        return stderr;
    }

    /** True when the same call may work later: the controller or the database was out of reach, or busy. */
    public boolean isTransient() {
        String text = (getMessage() + " " + stderr).toLowerCase(Locale.ROOT);
        return TRANSIENT.stream().anyMatch(text::contains);
    }

    private static String oneLine(String text) {
        return text.strip().replaceAll("\\s*\\R\\s*", " | ");
    }

    /** The program's name and its arguments, each cut at 200 characters, control characters shown as \xNN. */
    private static List<String> shortened(List<String> command) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < command.size(); i++) {
            String a = command.get(i);
            if (i == 0) {
                a = a.substring(a.lastIndexOf('/') + 1);
            }
            StringBuilder b = new StringBuilder();
            a.codePoints().limit(200).forEach(c -> b.append(c < 0x20 ? String.format(Locale.ROOT, "\\x%02x", c) : Character.toString(c)));
            out.add(a.codePointCount(0, a.length()) > 200 ? b + "..." : b.toString());
        }
        return out;
    }
}
