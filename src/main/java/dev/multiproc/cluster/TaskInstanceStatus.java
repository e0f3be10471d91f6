package dev.multiproc.cluster;

/** Task-instance states of the Jobmon protocol, each with its one-letter wire code. */
public enum TaskInstanceStatus {
    DONE("D"),
    ERROR("E"),
    ERROR_FATAL("F"),
    INSTANTIATED("I"),
    KILL_SELF("K"),
    LAUNCHED("O"),
    QUEUED("Q"),
    RUNNING("R"),
    TRIAGING("T"),
    SUBMITTED_TO_BATCH_DISTRIBUTOR("B"),
    UNKNOWN_ERROR("U"),
    NO_DISTRIBUTOR_ID("W"),
    NO_HEARTBEAT("X"),
    RESOURCE_ERROR("Z");

    private final String code;

    TaskInstanceStatus(String code) {
        this.code = code;
    }

    /** The one-letter code Jobmon uses on the wire. */
    public String code() {
        return code;
    }

    /** The status for a one-letter code; throws {@link IllegalArgumentException} for an unknown code. */
    public static TaskInstanceStatus fromCode(String code) {
        for (TaskInstanceStatus s : values()) {
            if (s.code.equals(code)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown task instance status code: " + code);
    }
}
