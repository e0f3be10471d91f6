package dev.multiproc.slurm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** What a job request refuses before sbatch sees it, and the sbatch command line it becomes. */
class JobRequestTest {
    private static final String SCRIPT = JobRequest.shellScript("echo hi");

    private static IllegalArgumentException refused(UnaryOperator<JobRequest.Builder> settings, String... words) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> settings.apply(JobRequest.builder(SCRIPT)).build());
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), () -> "'" + w + "' missing from: " + e.getMessage());
        }
        assertEquals(1, e.getMessage().lines().count(), "one line");
        return e;
    }

    @Test
    void refusesWhatSlurmWouldRefuseOrTakeForSomethingElse() {
        refused(b -> b.memoryMegabytes(0), "memory", "all of a node's memory");
        refused(b -> b.memoryMegabytes(-5), "memory");
        refused(b -> b.time(Duration.ZERO), "time limit", "no limit");
        refused(b -> b.time(Duration.ofSeconds(-1)), "time limit");
        refused(b -> b.cpusPerTask(0), "cpus per task");
        refused(b -> b.arraySize(-1), "array size");
        refused(b -> b.name("two\nlines"), "job name", "control characters");
        refused(b -> b.comment("a\u001fb"), "job comment", "control characters");
        refused(b -> b.partition("a,b"), "partition", "one word");
        refused(b -> b.account("my account"), "account", "one word");
        refused(b -> b.env("SLURM_JOB_ID", "1"), "SLURM_JOB_ID", "Slurm's own");
        refused(b -> b.env("SBATCH_PARTITION", "x"), "SBATCH_PARTITION");
        refused(b -> b.env("1BAD", "x"), "'1BAD'", "not a shell variable name");
        refused(b -> b.output(" "), "output");
    }

    @Test
    void refusesScriptsSbatchRefuses() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JobRequest.builder("echo hi\n").build())
                .getMessage().contains("#!"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JobRequest.builder("#!/bin/sh\r\necho hi\r\n").build())
                .getMessage().contains("DOS line breaks"));
    }

    @Test
    void aSingleJobWithNoSettingsLeavesEverythingToSlurm() {
        assertEquals(List.of("--parsable", "--export=ALL"), SbatchArguments.of(JobRequest.builder(SCRIPT).build()));
    }

    @Test
    void everySettingBecomesItsOption() {
        JobRequest r = JobRequest.builder(SCRIPT).name("fit model ü").comment("host h1, task 7").arraySize(5).cpusPerTask(2)
                .memoryMegabytes(1536).time(Duration.ofSeconds(61)).partition("debug").account("proj").constraint("avx2&ib")
                .output("/logs/%A_%a.out").error("/logs/%A_%a.err").workDir(Path.of("/work dir")).env("A", "1,2").build();
        assertEquals(List.of("--parsable", "--export=ALL", "--job-name=fit model ü", "--comment=host h1, task 7",
                "--array=0-4", "--cpus-per-task=2", "--mem=1536M", "--time=2", "--partition=debug", "--account=proj",
                "--constraint=avx2&ib", "--output=/logs/%A_%a.out", "--error=/logs/%A_%a.err", "--chdir=/work dir"),
                SbatchArguments.of(r));
        assertEquals("1,2", r.environment().get("A"), "the environment goes to sbatch's environment, not --export");
    }

    @Test
    void partitionLimitsRefuseWhatWouldPendForever() {
        Partition debug = Partition.parse("PartitionName=debug Default=YES MaxTime=02:00:00 MaxMemPerNode=2000 MaxCPUsPerNode=4");
        ClusterLimits limits = new ClusterLimits(() -> "PartitionName=debug Default=YES MaxTime=02:00:00 MaxMemPerNode=2000\n"
                + "PartitionName=long Default=NO MaxTime=UNLIMITED\n", () -> "MaxArraySize = 100\n", Duration.ofMinutes(5));

        String overTime = debug.refusal(JobRequest.builder(SCRIPT).time(Duration.ofMinutes(121)).build());
        assertEquals("job time limit 2:01:00 is over partition debug's MaxTime 2:00:00", overTime);
        assertNull(debug.refusal(JobRequest.builder(SCRIPT).time(Duration.ofMinutes(119).plusSeconds(30)).build()),
                "rounded up to 2:00:00, which the partition allows");
        assertTrue(debug.refusal(JobRequest.builder(SCRIPT).memoryMegabytes(2001).build()).contains("MaxMemPerNode 2000"));
        assertTrue(debug.refusal(JobRequest.builder(SCRIPT).cpusPerTask(5).build()).contains("MaxCPUsPerNode 4"));

        IllegalArgumentException defaultPartition = assertThrows(IllegalArgumentException.class,
                () -> limits.check(JobRequest.builder(SCRIPT).time(Duration.ofHours(3)).build()));
        assertTrue(defaultPartition.getMessage().contains("partition debug's MaxTime"), defaultPartition.getMessage());
        limits.check(JobRequest.builder(SCRIPT).partition("long").time(Duration.ofDays(30)).build());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> limits.check(JobRequest.builder(SCRIPT).partition("gpu").build()));
        assertEquals("job partition 'gpu' is unknown to Slurm (it has: debug, long)", unknown.getMessage());
        IllegalArgumentException array = assertThrows(IllegalArgumentException.class,
                () -> limits.check(JobRequest.builder(SCRIPT).arraySize(101).build()));
        assertTrue(array.getMessage().contains("MaxArraySize 100"), array.getMessage());
        limits.check(JobRequest.builder(SCRIPT).arraySize(100).build());
    }
}
