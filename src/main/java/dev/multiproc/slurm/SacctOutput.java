package dev.multiproc.slurm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fixed {@code sacct --format} this client asks for, and its parser. Lines are the job's allocation
 * ({@code 18_3}) and its steps ({@code 18_3.batch}, {@code 18_3.extern}, {@code 18_3.0}); one
 * {@link JobAccounting} comes of each allocation, with the largest resident set of its steps (only steps have one).
 * Fields are separated by the unit separator (0x1F), which no job submitted through {@link JobRequest} can hold.
 */
final class SacctOutput {
    static final String DELIMITER = "\u001f";
    private static final List<String> FIELDS = List.of("JobID", "JobIDRaw", "State", "ExitCode", "Reason", "MaxRSS",
            "ReqMem", "Timelimit", "Elapsed", "JobName", "Comment");
    private static final Logger LOG = LoggerFactory.getLogger(SacctOutput.class);

    private SacctOutput() {
    }

    /** The arguments that select the format: no header, the separator, the fields. */
    static List<String> formatArguments() {
        return List.of("--noheader", "--parsable2", "--delimiter=" + DELIMITER, "--format=" + String.join(",", FIELDS));
    }

    /** Parses sacct's output to one record per job, keyed by job id, in sacct's order. */
    static Map<String, JobAccounting> parse(String output) {
        Map<String, JobAccounting> jobs = new LinkedHashMap<>();
        Map<String, Long> maxRss = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(DELIMITER, -1);
            if (f.length != FIELDS.size()) {
                LOG.warn("skipping a line of sacct with {} fields instead of {}: {}", f.length, FIELDS.size(),
                        line.replaceAll("\\p{Cntrl}", "?"));
                continue;
            }
            String id = f[0].trim();
            int dot = id.indexOf('.');
            if (dot >= 0) {
                maxRss.merge(id.substring(0, dot), SlurmValues.parseSize(f[5], 'K'), Math::max);
            } else {
                jobs.put(id, allocation(f));
            }
        }
        jobs.replaceAll((id, j) -> maxRss.containsKey(id) ? withMaxRss(j, maxRss.get(id)) : j);
        return jobs;
    }

    private static JobAccounting allocation(String[] f) {
        String[] exit = f[3].trim().split(":");
        int code = exit.length == 2 && exit[0].matches("\\d+") ? Integer.parseInt(exit[0]) : 0;
        int signal = exit.length == 2 && exit[1].matches("\\d+") ? Integer.parseInt(exit[1]) : 0;
        String raw = f[1].trim();
        String state = f[2].trim();
        return new JobAccounting(f[0].trim(), raw.matches("\\d+") ? Long.parseLong(raw) : -1, JobState.parse(state), state,
                code, signal, SlurmValues.text(f[4].trim()), SlurmValues.parseSize(f[5], 'K'), SlurmValues.parseSize(f[6], 'M'),
                SlurmValues.parseTime(f[7]), SlurmValues.parseTime(f[8]), f[9], SlurmValues.text(f[10]),
                JobAccounting.Source.ACCOUNTING);
    }

    private static JobAccounting withMaxRss(JobAccounting j, long rss) {
        return new JobAccounting(j.id(), j.jobId(), j.state(), j.stateText(), j.exitCode(), j.signal(), j.reason(),
                Math.max(rss, j.maxRssBytes()), j.requestedMemoryBytes(), j.timeLimit(), j.elapsed(), j.name(), j.comment(),
                j.source());
    }
}
