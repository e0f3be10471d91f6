package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.multiproc.testing.Cli;
import dev.multiproc.testing.JournalTest;
import dev.multiproc.testing.SlurmCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code multiproc run --cluster slurm FILE} as a user runs it (a JVM of its own) on the test Slurm: SIGKILLed
 * mid-run, then {@code status}, {@code history}, {@code logs} and {@code kill} with no host, then the same run
 * again, which resumes it: every line runs exactly once.
 */
@Tag("slow")
class SlurmCliTest extends JournalTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    protected Path journal() {
        return tmp.resolve(".multiproc");
    }

    @Test
    void aRunKilledMidwayResumesExactlyOnceAndTheReadersShowItsSlurmJobs() throws Exception {
        SlurmCluster cluster = SlurmCluster.require();
        Map<String, String> env = cluster.environment();
        String file = "slurm-" + Long.toHexString(System.nanoTime()) + ".txt"; // the run's name, and its Slurm jobs'
        Path ledger = tmp.resolve("ledger");
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            lines.add("echo " + i + " >> " + ledger + "; echo out" + i + "; sleep 6");
        }
        lines.add("echo 6 >> " + ledger + "; exit 3");
        lines.add("echo 7 >> " + ledger + "; sleep 600"); // killed with `multiproc kill` while no host runs
        Files.write(tmp.resolve(file), lines);
        Files.writeString(tmp.resolve("config.yml"), "journal_server: true\nlog_dir: logs\nslurm:\n  poll_interval: 200ms\n"); // no cluster: local
        Process first = Cli.startWith(env, tmp, "run", "--cluster", "slurm", file);
        try {
            await("some commands to run", () -> runningTasks() >= 3);
            first.destroyForcibly(); // SIGKILL: no shutdown hook, no goodbye
            first.waitFor(30, TimeUnit.SECONDS);
            readersAndKillWithNoHost(env);

            Cli.Result again = Cli.runWith(env, tmp, "run", "--cluster", "slurm", file);
            assertTrue(again.err().contains("resuming run " + file), again.toString());
            assertTrue(again.out().contains("7 commands: 5 done, 2 failed"), again.toString());
            assertEquals(2, again.exit(), again.toString());
            List<String> ran = ledgerLines(ledger);
            assertEquals(7, ran.size(), "each command once: " + ran);
            assertEquals(7, new HashSet<>(ran).size(), "each command once: " + ran);
            String killed = historyShowsEachSlurmJob(env);
            assertEquals(dev.multiproc.slurm.JobState.CANCELLED, cluster.commands().accounting(List.of(killed)).get(killed).state(),
                    "kill cancelled Slurm job " + killed);
            Cli.Result logs = Cli.runWith(env, tmp, "logs", "--stdout", "2");
            assertEquals("out2\n", logs.out(), logs.toString());
        } finally {
            first.destroyForcibly();
            cluster.run("scancel", "--name=" + file);
        }
    }

    /** With no host: status shows the running tasks' Slurm jobs, kill cancels one. */
    private void readersAndKillWithNoHost(Map<String, String> env) throws Exception {
        Cli.Result status = Cli.runWith(env, tmp, "status", "--json");
        assertEquals(0, status.exit(), status.toString());
        JsonNode running = JSON.readTree(status.out()).path("running");
        assertTrue(running.size() >= 3, "tasks left running: " + status);
        assertTrue(running.get(0).path("slurm_job_id").asText().matches("\\d+"), "a running task's Slurm job: " + status);
        Cli.Result kill = Cli.runWith(env, tmp, "kill", "7");
        assertEquals("7: terminated\n", kill.out(), kill.toString());
        assertEquals(0, kill.exit(), kill.toString());
    }

    /** Returns the Slurm job id of the task `multiproc kill` ended. */
    private String historyShowsEachSlurmJob(Map<String, String> env) throws Exception {
        Cli.Result history = Cli.runWith(env, tmp, "history", "--json");
        assertEquals(0, history.exit(), history.toString());
        Map<String, JsonNode> byTask = new java.util.TreeMap<>();
        JSON.readTree(history.out()).forEach(t -> byTask.put(t.path("task_id").asText(), t));
        assertEquals(7, byTask.size(), history.toString());
        for (JsonNode t : byTask.values()) {
            assertTrue(t.path("slurm_job_id").asText().matches("\\d+"), "each task's Slurm job id: " + t);
        }
        assertEquals("FAILED", byTask.get("6").path("state").asText(), byTask.get("6").toString());
        assertEquals(3, byTask.get("6").path("exit_code").asInt(), byTask.get("6").toString());
        assertEquals("DONE", byTask.get("1").path("state").asText(), byTask.get("1").toString());
        assertEquals("TERMINATED", byTask.get("7").path("state").asText(), byTask.get("7").toString());
        return byTask.get("7").path("slurm_job_id").asText();
    }

    /** The tasks the journal says are running, read through the host's journal server as {@code status} reads them. */
    private long runningTasks() {
        try (java.sql.Connection c = JournalAccess.of(journal(), null).reader();
             java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM task WHERE state = 'RUNNING'")) {
            return rs.next() ? rs.getLong(1) : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    private static List<String> ledgerLines(Path ledger) {
        try {
            return Files.exists(ledger) ? Files.readAllLines(ledger) : List.of();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }
}
