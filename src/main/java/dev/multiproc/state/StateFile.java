package dev.multiproc.state;

import java.util.Optional;

/**
 * What the state file of one task attempt says. Lines count only when complete (closed by the word
 * {@code end}): a reader may look while a line is being written.
 *
 * @param record present when {@link Status#STARTED} or {@link Status#FINISHED}
 */
public record StateFile(Status status, TaskRecord record) {

    public enum Status {
        /** No file: the attempt never started (or its file was removed). */
        ABSENT,
        /** Claimed by recovery: this attempt must never run. */
        CLAIMED,
        /** Created by the task, identity not written yet: the command has not started, and may never. */
        STARTING,
        /** The command started; no result yet. */
        STARTED,
        /** The command ended; the result is recorded. */
        FINISHED
    }

    static final String CLAIM_LINE = "claimed end\n";
    static final StateFile ABSENT = new StateFile(Status.ABSENT, null);

    public Optional<TaskRecord> recordIfAny() {
        return Optional.ofNullable(record);
    }

    static StateFile parse(String content) {
        if (content.startsWith("claimed")) {
            return new StateFile(Status.CLAIMED, null);
        }
        RecordWords words = new RecordWords();
        int complete = 0;
        int from = 0;
        while (from < content.length()) {
            int nl = content.indexOf('\n', from);
            if (nl < 0) {
                break; // a line still being written
            }
            String line = content.substring(from, nl);
            if (!line.endsWith(" end")) {
                break;
            }
            words.read(line, 0);
            complete++;
            from = nl + 1;
        }
        if (complete == 0) {
            return new StateFile(Status.STARTING, null);
        }
        Optional<TaskRecord> record = words.record();
        if (record.isEmpty()) {
            return new StateFile(Status.STARTING, null);
        }
        return new StateFile(record.get().isFinished() ? Status.FINISHED : Status.STARTED, record.get());
    }
}
