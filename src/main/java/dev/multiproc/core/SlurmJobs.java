package dev.multiproc.core;

import dev.multiproc.slurm.JobRequest;
import dev.multiproc.slurm.SlurmSettings;
import dev.multiproc.worker.LogFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * The sbatch request of a job's queued tasks: one Slurm job for a single task, ONE Slurm array job for the
 * steps of an array (all of them, or those recovery queued again). The job's comment names the journal and
 * the job, so a host that died between sbatch and journaling the Slurm id has its successor find the job.
 */
final class SlurmJobs {
    private final SlurmSettings settings;
    private final Path logDir;
    private final String commentPrefix;

    SlurmJobs(SlurmSettings settings, Path logDir, Path journalDir) {
        this.settings = settings;
        this.logDir = logDir == null ? null : logDir.toAbsolutePath();
        this.commentPrefix = "multiproc:" + journalKey(journalDir) + ":";
    }

    /** The comment of every Slurm job of this journal's job {@code jobId}. */
    String comment(long jobId) {
        return commentPrefix + jobId;
    }

    /** The request for {@code steps} of {@code spec} (null for a single task); creates the log directories first. */
    JobRequest request(JobSpec spec, List<Integer> steps) throws IOException {
        return request(spec, steps, true);
    }

    /** The request for the whole of {@code spec}, as submit checks it: no directory is made. */
    JobRequest requestToCheck(JobSpec spec) {
        try {
            return request(spec, null, false);
        } catch (IOException e) {
            throw new IllegalStateException("no directory is made here", e);
        }
    }

    private JobRequest request(JobSpec spec, List<Integer> steps, boolean createDirs) throws IOException {
        Resources r = spec.resources();
        StringBuilder script = new StringBuilder("#!/bin/sh\n");
        script.append("JOB_ID=").append(spec.jobId()).append("; export JOB_ID\n");
        if (spec.isArray()) {
            script.append("ARRAY_STEP_ID=$SLURM_ARRAY_TASK_ID; export ARRAY_STEP_ID\n");
        }
        script.append(spec.command()).append('\n');
        JobRequest.Builder b = JobRequest.builder(script.toString()).name(LogFiles.safeName(spec.name())).comment(comment(spec.jobId()))
                .environment(spec.environment()).cpusPerTask(spec.cores()).output(logPath("stdout", r.stdoutDir(), spec, createDirs))
                .error(logPath("stderr", r.stderrDir(), spec, createDirs));
        if (spec.isArray()) {
            if (steps == null || steps.size() == spec.arrayLength()) {
                b.arraySize(spec.arrayLength());
            } else {
                b.arrayIndices(steps);
            }
        }
        if (r.memoryBytes() != null) {
            b.memoryMegabytes((r.memoryBytes() + (1 << 20) - 1) >> 20);
        }
        if (r.runtimeSeconds() != null) {
            b.time(Duration.ofSeconds(r.runtimeSeconds()));
        }
        String partition = r.queue() != null ? r.queue() : settings.partition();
        String account = r.project() != null ? r.project() : settings.account();
        if (partition != null) {
            b.partition(partition);
        }
        if (account != null) {
            b.account(account);
        }
        return b.build();
    }

    /** The protocol's NAME.oID log names; Slurm's {@code %a} stands for the step of an array. */
    private String logPath(String type, String requestedDir, JobSpec spec, boolean createDirs) throws IOException {
        Path dir = requestedDir != null ? Path.of(requestedDir).toAbsolutePath() : logDir;
        if (dir == null) {
            return "/dev/null";
        }
        if (dir.toString().contains("%") || dir.toString().contains("\\")) {
            throw new IllegalArgumentException("log directory " + dir + " holds % or \\, which Slurm reads as a file name pattern");
        }
        if (createDirs) {
            LogDirectories.create(dir);
        }
        String id = Long.toString(spec.jobId());
        return spec.isArray() ? LogFiles.path(type, dir.toString(), spec.name(), id + "_") + "%a" : LogFiles.path(type, dir.toString(),
                spec.name(), id);
    }

    private static String journalKey(Path journalDir) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(journalDir.toAbsolutePath().normalize().toString()
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
