package dev.multiproc.journal;

/** One entry of the exit information; {@code seq} is assigned by the journal writer when it commits. */
public record ExitInfoRow(long seq, String taskId, String statusCode, String message, long recordedMs) {

    @org.jdbi.v3.core.mapper.reflect.JdbiConstructor
    public ExitInfoRow {
    }

    public ExitInfoRow(String taskId, String statusCode, String message, long recordedMs) {
        this(0, taskId, statusCode, message, recordedMs);
    }

    ExitInfoRow withSeq(long seq) {
        return new ExitInfoRow(seq, taskId, statusCode, message, recordedMs);
    }
}
