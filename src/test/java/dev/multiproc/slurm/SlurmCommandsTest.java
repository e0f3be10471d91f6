package dev.multiproc.slurm;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.multiproc.testing.SlurmCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SlurmCommands} against a real one-node Slurm ({@code .ci/slurm up}); skipped where there is none, failed
 * where {@code .ci/run} requires one. Every test cancels what it submitted and waits for it to end.
 */
@Tag("slow") // Slurm jobs; CI runs the slow tier with the cluster up (the default tier stays under 90 s)
class SlurmCommandsTest {
    private static final Duration SOON = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private SlurmCluster cluster;
    private SlurmCommands slurm;
    private final List<String> submitted = new ArrayList<>();

    @BeforeEach
    void findSlurm() {
        cluster = SlurmCluster.require();
        slurm = cluster.commands();
    }

    @AfterEach
    void cancelWhatWasSubmitted() {
        if (cluster != null) {
            cluster.cancelAndAwaitEnd(submitted);
        }
    }

    private JobRequest.Builder job(String command) {
        return JobRequest.builder(JobRequest.shellScript(command)).workDir(dir).output(dir + "/%j.out").memoryMegabytes(20);
    }

    private String submit(JobRequest.Builder request) {
        String id = slurm.submit(request.build());
        submitted.add(id);
        return id;
    }

    private Map<String, JobAccounting> awaitFinished(Collection<String> ids, int expected, Duration atMost) {
        return await("jobs " + ids + " finished").atMost(atMost).pollInterval(Duration.ofMillis(300))
                .until(() -> slurm.accounting(ids), m -> m.size() == expected && m.values().stream().allMatch(a -> a.state().isFinished()));
    }

    /** A directory of the Slurm tools, each writing its name to calls.log before it runs the real one. */
    private Path countingTools() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String tool : List.of("sbatch", "squeue", "scancel", "sacct", "scontrol")) {
            String real = Arrays.stream(System.getenv("PATH").split(":")).map(p -> Path.of(p, tool)).filter(Files::isExecutable)
                    .findFirst().orElseThrow().toString();
            Path w = bin.resolve(tool);
            Files.writeString(w, "#!/bin/sh\necho " + tool + " >> '" + dir.resolve("calls.log") + "'\nexec " + real + " \"$@\"\n");
            Files.setPosixFilePermissions(w, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return bin;
    }

    private List<String> calls() throws IOException {
        Path log = dir.resolve("calls.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    @Test
    void aJobAndAnArrayOfFiveShowInOneSqueueCall() throws IOException {
        SlurmCommands counted = SlurmCommands.builder().binDir(countingTools()).environment(cluster.environment()).build();
        String name = "tâche à 5 | ok, \"quoted\" " + UUID.randomUUID();
        String single = counted.submit(job("sleep 120").name(name).build());
        submitted.add(single);
        String array = counted.submit(job("sleep 120").name(name).arraySize(5).output(dir + "/%A_%a.out").build());
        submitted.add(array);
        Files.deleteIfExists(dir.resolve("calls.log"));

        List<QueuedJob> jobs = counted.queue(List.of(single, array));

        assertEquals(List.of("squeue"), calls(), "one squeue call for all of them");
        Set<String> expected = IntStream.range(0, 5).mapToObj(i -> array + "_" + i).collect(Collectors.toSet());
        expected.add(single);
        assertEquals(expected, jobs.stream().map(QueuedJob::id).collect(Collectors.toSet()));
        for (QueuedJob j : jobs) {
            assertEquals(name, j.name(), "the name comes back whole");
            assertTrue(Set.of(JobState.PENDING, JobState.RUNNING).contains(j.state()), j.toString());
            if (!j.id().equals(single)) {
                assertEquals(Long.valueOf(array), j.arrayJobId());
                assertEquals(j.id(), array + "_" + j.arrayTaskId());
            }
        }
        assertEquals(List.of(), slurm.queue(List.of("999999")), "an id Slurm does not know is left out");
    }

    @Test
    void exitCodesAndAKillBySignalReachAccounting() {
        String ok = submit(job("[ \"$GREETING\" = 'hé, wörld=1' ] || exit 7").env("GREETING", "hé, wörld=1"));
        String three = submit(job("exit 3"));
        String killed = submit(job("kill -9 $$"));

        Map<String, JobAccounting> done = awaitFinished(List.of(ok, three, killed), 3, SOON);

        assertEquals(JobState.COMPLETED, done.get(ok).state(), "the job saw its environment: " + done.get(ok));
        assertEquals(0, done.get(ok).exitCode());
        assertEquals(JobState.FAILED, done.get(three).state());
        assertEquals(3, done.get(three).exitCode());
        assertEquals(0, done.get(three).signal());
        assertEquals(JobState.FAILED, done.get(killed).state());
        assertEquals(9, done.get(killed).signal());
    }

    @Test
    void aJobOverItsMemoryEndsOutOfMemory() {
        assumeTrue(cluster.enforcesMemory(), "this Slurm does not enforce memory (no TaskPlugin=task/cgroup)");
        String hog = submit(job("dd if=/dev/zero of=/dev/null bs=300M count=1").memoryMegabytes(50));

        JobAccounting a = awaitFinished(List.of(hog), 1, SOON).get(hog);

        assertEquals(JobState.OUT_OF_MEMORY, a.state(), a.toString());
    }

    @Test
    @Tag("slow")
    void aJobOverItsTimeEndsTimeout() {
        String sleeper = submit(job("sleep 600").time(Duration.ofSeconds(1))); // Slurm's least limit: one minute

        JobAccounting a = awaitFinished(List.of(sleeper), 1, Duration.ofMinutes(4)).get(sleeper);

        assertEquals(JobState.TIMEOUT, a.state(), a.toString());
        assertEquals(Duration.ofMinutes(1), a.timeLimit());
    }

    @Test
    void aWholeArrayIsCancelledInOneCall() throws IOException {
        SlurmCommands counted = SlurmCommands.builder().binDir(countingTools()).environment(cluster.environment()).build();
        String array = submit(job("sleep 300").arraySize(5).output(dir + "/%A_%a.out"));
        await().atMost(SOON).until(() -> slurm.queue(List.of(array)).stream().filter(j -> j.state() == JobState.RUNNING).count() == 5);
        Files.deleteIfExists(dir.resolve("calls.log"));

        counted.cancel(List.of(array));

        assertEquals(List.of("scancel"), calls());
        Map<String, JobAccounting> done = awaitFinished(List.of(array), 5, SOON);
        assertTrue(done.values().stream().allMatch(a -> a.state() == JobState.CANCELLED), done.toString());
        counted.cancel(List.of(array, "999999")); // ended and unknown jobs are no error
    }

    @Test
    void aJobThatCannotStartPendsForeverOrIsRefused() throws IOException, InterruptedException {
        String tooWide = submit(job("true").cpusPerTask(1000));
        QueuedJob waiting = await().atMost(SOON).until(() -> slurm.queue(List.of(tooWide)).get(0), QueuedJob::isPendingForever);
        assertEquals("PartitionConfig", waiting.reason());

        SlurmCommandException refused = assertThrows(SlurmCommandException.class,
                () -> submit(job("true").constraint("no_such_feature_" + UUID.randomUUID().toString().substring(0, 8))));
        assertTrue(refused.getMessage().startsWith("sbatch --parsable"), refused.getMessage());
        assertTrue(refused.getMessage().contains("failed with exit status 1: sbatch: error: Batch job submission failed: "
                + "Invalid feature specification"), refused.getMessage());
        assertTrue(!refused.isTransient());

        assumeTrue(cluster.isOurs(), "only the test cluster's node may lose a feature");
        String node = cluster.run("sinfo", "--noheader", "--format=%N").strip();
        String features = cluster.run("sinfo", "--noheader", "--format=%f").strip();
        String held;
        try {
            cluster.run("scontrol", "update", "NodeName=" + node, "AvailableFeatures=" + features + ",fleeting", "ActiveFeatures=" + features + ",fleeting");
            held = cluster.run("sbatch", "--parsable", "--hold", "--constraint=fleeting", "--mem=20", "--output=/dev/null", "--wrap=true").strip();
            submitted.add(held);
        } finally {
            cluster.run("scontrol", "update", "NodeName=" + node, "AvailableFeatures=" + features, "ActiveFeatures=" + features);
        }
        cluster.run("scontrol", "release", held);
        QueuedJob bad = await().atMost(SOON).until(() -> slurm.queue(List.of(held)).get(0), QueuedJob::isPendingForever);
        assertEquals("BadConstraints", bad.reason());
    }

    @Test
    void whatThePartitionForbidsIsRefusedBeforeSbatch() {
        Partition p = slurm.partitions().stream().filter(Partition::isDefault).findFirst().orElseThrow();
        assumeTrue(p.maxTime() != null, "the default partition has no MaxTime");
        String name = "refused-" + UUID.randomUUID();

        IllegalArgumentException overTime = assertThrows(IllegalArgumentException.class,
                () -> submit(job("true").name(name).time(p.maxTime().plusMinutes(1))));
        assertTrue(overTime.getMessage().contains("over partition " + p.name() + "'s MaxTime " + SlurmValues.format(p.maxTime())),
                overTime.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> submit(job("true").name(name).partition("no_such_partition")));
        assertTrue(unknown.getMessage().contains("'no_such_partition' is unknown to Slurm (it has: "), unknown.getMessage());
        assertEquals(List.of(), slurm.queueNamed(name), "nothing was submitted");
    }

    @Test
    void aJobIsFoundByItsCommentOrNameAfterItsIdWasLost() {
        Instant before = Instant.now().minusSeconds(1);
        String tag = "host-7f " + UUID.randomUUID();
        String running = submit(job("sleep 120").comment(tag));
        String finished = submit(job("true").comment(tag).name(tag));
        awaitFinished(List.of(finished), 1, SOON);

        Map<String, JobState> byComment = slurm.findByComment(tag, before);
        assertEquals(Set.of(running, finished), byComment.keySet());
        assertEquals(JobState.COMPLETED, byComment.get(finished));
        assertEquals(Map.of(finished, JobState.COMPLETED), slurm.findByName(tag, before));
        // the accounting database alone finds it too, as it must once the controller has forgotten the job
        await().atMost(SOON).until(() -> slurm.accountedSince(before, List.of()).values().stream()
                .anyMatch(a -> a.id().equals(finished) && a.comment().equals(tag) && a.state() == JobState.COMPLETED));
        assertEquals(Map.of(), slurm.findByComment("no such comment " + UUID.randomUUID(), before));
    }
}
