package dev.multiproc.journal;

/** The journal cannot be opened, read or written; the message says why in terms of the journal. */
public class JournalException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public JournalException(String message) {
        super(message);
    }

    public JournalException(String message, Throwable cause) {
        super(message, cause);
    }
}
