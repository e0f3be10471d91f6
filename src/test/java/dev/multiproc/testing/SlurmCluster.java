package dev.multiproc.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.multiproc.slurm.JobState;
import dev.multiproc.slurm.QueuedJob;
import dev.multiproc.slurm.SlurmCommands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * The Slurm the tests submit to. Found through {@code SLURM_CONF} (what {@code .ci/run} exports after
 * {@code .ci/slurm up}), else the configuration {@code .ci/slurm up} writes by default, else the machine's own
 * Slurm. Where none answers, a test is skipped with the reason, unless {@code MULTIPROC_SLURM_REQUIRED} is set
 * (as {@code .ci/run} sets it): then it fails.
 */
public final class SlurmCluster {
    public static final String REQUIRED = "MULTIPROC_SLURM_REQUIRED";
    private static final String OUR_CONFIG_MARK = "# written by .ci/slurm";
    private static SlurmCluster found;
    private static String missing;

    private final Map<String, String> environment;
    private final String config;

    private SlurmCluster(Map<String, String> environment, String config) {
        this.environment = environment;
        this.config = config;
    }

    /** The running test Slurm; skips the test (or fails it, where Slurm is required) when there is none. */
    public static synchronized SlurmCluster require() {
        if (found == null && missing == null) {
            probe();
        }
        if (found == null) {
            String why = "no Slurm to test with: " + missing + ". Start a private one with `.ci/slurm up` (root, Debian 12)";
            if (isRequired()) {
                fail(why + "; " + REQUIRED + " is set, so Slurm must be there");
            }
            assumeTrue(false, why);
        }
        return found;
    }

    /** True for the cluster {@code .ci/slurm} configured: tests may change its nodes and rely on its settings. */
    public boolean isOurs() {
        return config.startsWith(OUR_CONFIG_MARK);
    }

    /** True when jobs over their {@code --mem} end {@code OUT_OF_MEMORY}: the cgroup task plugin is on. */
    public boolean enforcesMemory() {
        return config.lines().anyMatch(l -> l.replace(" ", "").equals("TaskPlugin=task/cgroup"));
    }

    /** What the Slurm commands need in their environment to reach this cluster. */
    public Map<String, String> environment() {
        return environment;
    }

    public SlurmCommands commands() {
        return SlurmCommands.builder().environment(environment).build();
    }

    /** Runs a Slurm tool directly, for what the client under test does not do (holding a job, changing a node). */
    public String run(String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(environment);
        Process p = pb.start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish within 30s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out.strip());
        }
        return out;
    }

    /** Cancels these jobs and waits until none of them runs any more: a test leaves no job behind. */
    public void cancelAndAwaitEnd(Collection<String> ids) {
        if (ids.isEmpty()) {
            return;
        }
        SlurmCommands slurm = commands();
        slurm.cancel(ids);
        Awaitility.await("jobs " + ids + " to end").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> slurm.queue(ids).stream().map(QueuedJob::state).allMatch(JobState::isFinished));
    }

    private static boolean isRequired() {
        String v = System.getenv(REQUIRED);
        return v != null && !v.isBlank() && !v.equals("0") && !v.equalsIgnoreCase("false");
    }

    private static void probe() {
        String conf = System.getenv("SLURM_CONF");
        if (conf == null) {
            String dir = System.getenv().getOrDefault("MULTIPROC_SLURM_DIR", "/tmp/multiproc-slurm");
            Path ours = Path.of(dir, "etc", "slurm.conf");
            conf = Files.isRegularFile(ours) ? ours.toString() : null;
        }
        Map<String, String> env = conf == null ? Map.of() : Map.of("SLURM_CONF", conf);
        String problem = answers(env, "sinfo", "--noheader", "--format=%T");
        if (problem == null) {
            problem = answers(env, "sacct", "--noheader", "--allocations", "--starttime=now", "--format=JobID");
        }
        if (problem != null) {
            missing = (conf == null ? "the system's Slurm" : "the Slurm of " + conf) + ": " + problem;
            return;
        }
        String text = "";
        try {
            text = Files.readString(conf == null ? Path.of("/etc/slurm/slurm.conf") : Path.of(conf));
        } catch (IOException e) {
            // a configuration fetched from the controller (configless): not ours, and nothing to read
        }
        found = new SlurmCluster(env, text);
    }

    /** Null when the command answers without error; else what went wrong. */
    private static String answers(Map<String, String> env, String... command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return command[0] + " did not answer within 20s";
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            List<String> errors = new ArrayList<>(out.lines().filter(l -> l.contains("error") || l.contains("disabled")).toList());
            if (p.exitValue() != 0 || !errors.isEmpty()) {
                return command[0] + " said: " + (errors.isEmpty() ? out : String.join(" | ", errors));
            }
            if (command[0].equals("sinfo") && out.lines().noneMatch(s -> s.startsWith("idle") || s.startsWith("mix")
                    || s.startsWith("alloc") || s.startsWith("comp"))) {
                return "no node is up (sinfo: " + out.replace('\n', ' ') + ")";
            }
            return null;
        } catch (IOException e) {
            return command[0] + " cannot run (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
