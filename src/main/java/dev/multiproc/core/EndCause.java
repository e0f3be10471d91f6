package dev.multiproc.core;

import java.util.Locale;

/** Why a task ended; the journal's {@code task.end_cause} and the launcher's state files hold {@link #value()}. */
public enum EndCause {
    /** The command exited. */
    EXIT,
    /** The command was killed by a signal nobody here sent. */
    SIGNAL,
    /** Terminated at the host's request. */
    TERMINATED,
    /** Terminated because its host stopped: interrupted, not failed; a resumed run runs it again. */
    STOPPED,
    /** Over its runtime limit. */
    RUNTIME,
    /** Over its memory limit. */
    MEMORY,
    /** It could not start. */
    SPAWN_ERROR,
    /** Nobody could record how it ended. */
    LOST,
    /** Killed by recovery: its host had died and the orphan policy is {@code kill}. */
    RECOVERY_KILL;

    private final String value = name().toLowerCase(Locale.ROOT);

    /** The lower-case name people query: {@code exit}, {@code spawn_error}, ... */
    public String value() {
        return value;
    }

    /** The cause of {@link #value()} {@code value}; an unknown one is an error that names it. */
    public static EndCause of(String value) {
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("no end cause '" + value + "'", e);
        }
    }
}
