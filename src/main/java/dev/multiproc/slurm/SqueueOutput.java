package dev.multiproc.slurm;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fixed {@code squeue --Format} this client asks for, and its parser. Fields end with the unit separator
 * (0x1F) and records with the record separator (0x1E), characters no job submitted through {@link JobRequest}
 * can hold; so names and comments with spaces, commas, pipes or any Unicode come back whole.
 */
final class SqueueOutput {
    static final char FIELD_END = '\u001f';
    static final char RECORD_END = '\u001e';
    private static final String[] FIELDS = {"JobArrayID", "JobID", "ArrayJobID", "ArrayTaskID", "State", "Reason",
        "exit_code", "TimeLimit", "TimeUsed", "Name", "Comment"};
    private static final Logger LOG = LoggerFactory.getLogger(SqueueOutput.class);

    private SqueueOutput() {
    }

    /** The {@code --Format} argument: every field unlimited in width ({@code :0}), followed by its separator. */
    static String format() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < FIELDS.length; i++) {
            b.append(i == 0 ? "" : ",").append(FIELDS[i]).append(":0").append(i == FIELDS.length - 1 ? RECORD_END : FIELD_END);
        }
        return b.toString();
    }

    /** Parses squeue's output; a record that does not parse (another program's job with odd characters) is skipped. */
    static List<QueuedJob> parse(String output) {
        List<QueuedJob> jobs = new ArrayList<>();
        for (String record : output.split(String.valueOf(RECORD_END), -1)) {
            String r = record.startsWith("\n") ? record.substring(1) : record;
            if (r.isBlank()) {
                continue;
            }
            String[] f = r.split(String.valueOf(FIELD_END), -1);
            try {
                if (f.length != FIELDS.length) {
                    throw new IllegalArgumentException(f.length + " fields instead of " + FIELDS.length);
                }
                jobs.add(job(f));
            } catch (IllegalArgumentException e) {
                LOG.warn("skipping a record of squeue that does not parse ({}): {}", e.getMessage(), r.replaceAll("\\p{Cntrl}", "?"));
            }
        }
        return jobs;
    }

    private static QueuedJob job(String[] f) {
        String arrayJob = f[2].trim();
        String arrayTask = f[3].trim();
        boolean isTask = !arrayTask.isEmpty() && !arrayTask.equals("N/A");
        String state = f[4].trim();
        return new QueuedJob(f[0].trim(), Long.parseLong(f[1].trim()), isTask ? Long.valueOf(arrayJob) : null,
                isTask ? Integer.valueOf(arrayTask) : null, JobState.parse(state), state, SlurmValues.text(f[5].trim()),
                f[6].trim().matches("\\d+") ? Integer.parseInt(f[6].trim()) : 0, SlurmValues.parseTime(f[7]),
                SlurmValues.parseTime(f[8]), f[9], SlurmValues.text(f[10]));
    }
}
