package dev.multiproc.slurm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.testing.HostProcess;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import dev.multiproc.testing.SlurmCluster;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A host SIGKILLed at the one point where Slurm has a job the journal does not know of: after {@code sbatch}
 * answered, before the Slurm id is journaled. The host runs the real sbatch through a script that kills the
 * host's JVM as soon as sbatch printed the id, so the host never reads it. Its successor must neither lose
 * that task nor submit it twice, and must submit the task the host never got to; a local successor must refuse
 * the journal, as it cannot know which of them Slurm runs.
 */
@Tag("slow")
class SlurmSubmitCrashTest extends JournalTest {

    @Test
    void aHostKilledBetweenSbatchAndJournalingTheIdNeitherLosesNorRepeatsATask() throws Exception {
        SlurmCluster cluster = SlurmCluster.require();
        Instant t0 = Instant.now().minusSeconds(5);
        Path answered = tmp.resolve("sbatch-answered");
        Path bin = sbatchThatKillsItsCaller(answered);
        String name = "crash" + Long.toHexString(System.nanoTime());
        List<String> ids = new ArrayList<>();
        try (HostProcess host = HostProcess.startWithPathFirst(bin, journal(), 4, "reattach", "sync", "slurm")) {
            // both journaled before start(): the first sbatch of start() kills the host, so one job reaches Slurm, one does not
            host.send("submit " + name + " sleep 1; exit 6");
            ids.addAll(host.ack());
            host.send("array 3 exit $((ARRAY_STEP_ID + 20))");
            ids.addAll(host.ack());
            host.send("start");
            assertTrue(host.awaitExit(60), "the host was killed by its first sbatch");
        }
        String submitted = Files.readString(answered).trim();
        assertTrue(submitted.matches("\\d+"), "sbatch answered a job id: " + submitted);

        // no task has a Slurm id, yet one has a Slurm job: a local successor would run it a second time, so it refuses
        try (MultiprocessDistributor local = Hosts.open(journal(), 4)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, local::start);
            assertTrue(e.getMessage().startsWith("the journal's unfinished tasks " + ids.get(0) + ", " + ids.get(1)), e.getMessage());
        }

        MultiprocessDistributor d = Hosts.builder(journal(), 4).cluster("slurm").slurmPollInterval(Duration.ofMillis(200))
                .slurmEnvironment(cluster.environment()).build();
        try {
            assertEquals(0, (int) Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT COUNT(*) FROM task WHERE slurm_job_id IS NOT NULL")
                    .mapTo(Integer.class).one()), "the host died before it journaled a Slurm id");
            d.start();
            assertTrue(d.engine().awaitIdle(Duration.ofMinutes(2)), "the successor settled everything");
            Map<String, String> messages = new TreeMap<>();
            for (String id : ids) {
                messages.put(id, d.getRemoteExitInfo(id).message());
            }
            assertEquals(Map.of(ids.get(0), "Process exited with code 6", ids.get(1), "Process exited with code 20",
                    ids.get(2), "Process exited with code 21", ids.get(3), "Process exited with code 22"), messages);

            Map<String, String> slurmIds = new TreeMap<>();
            Hosts.jdbi(d).useHandle(h -> h.createQuery("SELECT task_id, slurm_job_id FROM task")
                    .map((rs, ctx) -> Map.entry(rs.getString(1), String.valueOf(rs.getString(2))))
                    .forEach(e -> slurmIds.put(e.getKey(), e.getValue())));
            assertTrue(slurmIds.values().stream().anyMatch(s -> s.equals(submitted) || s.startsWith(submitted + "_")),
                    "the job sbatch submitted before the kill is the task's: " + submitted + " in " + slurmIds);
            // each job of the journal is one Slurm job (or one array job): what carries its comment is what the journal names
            SlurmCommands slurm = cluster.commands();
            Set<String> single = Set.of(slurmIds.get(ids.get(0)));
            Set<String> array = new TreeSet<>(List.of(slurmIds.get(ids.get(1)), slurmIds.get(ids.get(2)), slurmIds.get(ids.get(3))));
            assertEquals(single, slurm.findByComment(commentOf(slurm, ids.get(0), slurmIds), t0).keySet());
            assertEquals(array, new TreeSet<>(slurm.findByComment(commentOf(slurm, ids.get(1), slurmIds), t0).keySet()));
        } finally {
            d.close();
        }
    }

    private static String commentOf(SlurmCommands slurm, String taskId, Map<String, String> slurmIds) {
        String slurmId = slurmIds.get(taskId);
        return slurm.accounting(List.of(slurmId)).get(slurmId).comment();
    }

    /** A directory whose sbatch runs the real one, writes the id it printed to {@code answered}, and SIGKILLs its caller. */
    private Path sbatchThatKillsItsCaller(Path answered) throws Exception {
        String real = null;
        for (String dir : System.getenv("PATH").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "sbatch"))) {
                real = Path.of(dir, "sbatch").toString();
                break;
            }
        }
        assertTrue(real != null, "sbatch is on the PATH");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path sbatch = bin.resolve("sbatch");
        Files.writeString(sbatch, "#!/bin/sh\n"
                + "out=$('" + real + "' \"$@\") || exit $?\n"
                + "printf '%s\\n' \"${out%%;*}\" > '" + answered + ".part' && mv '" + answered + ".part' '" + answered + "'\n"
                + "kill -KILL $PPID\n");
        Files.setPosixFilePermissions(sbatch, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }
}
