package dev.multiproc.cluster;

/** Nothing is known about how a task instance ended (yet). */
public class RemoteExitInfoNotAvailableException extends Exception {
    private static final long serialVersionUID = 1L;

    public RemoteExitInfoNotAvailableException() {
        super("remote exit info not available");
    }

    public RemoteExitInfoNotAvailableException(String message) {
        super(message);
    }
}
