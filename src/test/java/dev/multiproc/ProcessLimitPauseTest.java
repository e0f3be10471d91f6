package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.launcher.LauncherBinary;
import dev.multiproc.proc.ProcStat;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import dev.multiproc.testing.Leftovers;
import dev.multiproc.testing.StandardErrorCapture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The launcher runs out of file descriptors (EMFILE) or cannot fork (EAGAIN): dispatch pauses with one
 * warning, the tasks stay queued and can still be terminated, stop() does not hang, and once the limit is
 * lifted every task runs exactly once. The limits are set on the live launcher with prlimit(1).
 */
@Tag("slow") // JVMs of seconds each; CI runs the slow tier too (the default tier stays under 90 s)
class ProcessLimitPauseTest extends JournalTest {
    private static final String PAUSED = "dispatch paused";

    private final Map<String, String> errors = new ConcurrentHashMap<>();

    private static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    /** The launcher of the distributor in this JVM: our child, running {@code mpagent launcher}. */
    private long launcherPid() {
        long self = ProcessHandle.current().pid();
        List<Long> pids = Leftovers.of(journal()).stream().filter(p -> p.contains(" launcher "))
                .map(p -> Long.parseLong(p.substring(0, p.indexOf(':'))))
                .filter(pid -> ProcStat.read(pid).map(s -> s.ppid() == self).orElse(false)).toList();
        assertEquals(1, pids.size(), "one launcher: " + pids);
        return pids.get(0);
    }

    private static String prlimit(String... args) throws IOException, InterruptedException {
        return run("prlimit", args);
    }

    private static String run(String program, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(program.split(" ")));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, cmd + ": " + out);
        return out;
    }

    private static String softLimit(String prlimit, long pid, String resource) throws IOException, InterruptedException {
        return run(prlimit, "--pid", Long.toString(pid), "--" + resource, "--output", "SOFT", "--noheadings", "--raw");
    }

    /** Sets the launcher's soft limit of open files to what it has open now: every open() fails with EMFILE. */
    private static String exhaustDescriptors(long launcher) throws IOException, InterruptedException {
        String before = softLimit("prlimit", launcher, "nofile");
        long open;
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(launcher), "fd"))) {
            open = fds.count();
        }
        prlimit("--pid", Long.toString(launcher), "--nofile=" + open + ":");
        return before;
    }

    private Map<String, String> collectErrors(MultiprocessDistributor d, List<String> ids) {
        errors.putAll(d.getQueueingErrors(ids));
        return errors;
    }

    /** Waits for dispatch to pause for {@code cause}, and checks that it holds: nothing fails, every task stays queued. */
    private void awaitPause(StandardErrorCapture log, MultiprocessDistributor d, List<String> ids, String cause) {
        Awaitility.await("dispatch to pause").atMost(Duration.ofSeconds(60))
                .until(() -> log.lines(PAUSED) >= 1 || !collectErrors(d, ids).isEmpty());
        assertEquals(Map.of(), errors, "no task fails for want of a process or a file descriptor");
        assertTrue(d.engine().dispatchPause().orElse("not paused").contains(cause), d.engine().dispatchPause().orElse("not paused"));
        try {
            Awaitility.await("dispatch to stay paused").during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10))
                    .until(() -> collectErrors(d, ids).isEmpty() && d.getSubmittedOrRunning(ids).containsAll(ids)
                            && d.engine().dispatchPause().isPresent());
        } finally {
            assertEquals(Map.of(), errors, "no task fails for want of a process or a file descriptor");
        }
    }

    private static List<String> sorted(List<String> ids) {
        return ids.stream().sorted().toList();
    }

    private List<String> submitTasks(MultiprocessDistributor d, int n, Path ran) {
        return d.engine().submitAll(IntStream.range(0, n).mapToObj(i -> "echo $JOB_ID >> " + ran).toList(), "task", Map.of());
    }

    /** Runs one task, so that the launcher is up; returns its id. */
    private static String runOne(MultiprocessDistributor d, Path ran) {
        String id = d.submitToBatchDistributor("echo $JOB_ID >> " + ran, "first", Map.of());
        Awaitility.await("the first task to run").atMost(Duration.ofSeconds(30)).until(() -> lines(ran).contains(id));
        return id;
    }

    /** One slot, so that the tasks run one after the other: they must run in submission order, pause or not. */
    @Test
    void runningOutOfFileDescriptorsPausesDispatchAndAPausedTaskCanBeTerminated() throws Exception {
        Path ran = tmp.resolve("ran");
        try (StandardErrorCapture log = StandardErrorCapture.start(); MultiprocessDistributor d = Hosts.open(journal(), 1)) {
            d.start();
            String first = runOne(d, ran);
            long launcher = launcherPid();
            String limit = exhaustDescriptors(launcher);
            List<String> ids = submitTasks(d, 30, ran);
            awaitPause(log, d, ids, "Too many open files");
            String dropped = ids.get(5);
            d.terminateTaskInstances(List.of(dropped));
            assertFalse(d.getSubmittedOrRunning(List.of(dropped)).contains(dropped), "a terminated queued task leaves at once");
            assertEquals("terminated by request before it started", d.getRemoteExitInfo(dropped).message());
            prlimit("--pid", Long.toString(launcher), "--nofile=" + limit + ":");
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(60)), "all tasks end once descriptors return");
            assertEquals(Optional.empty(), d.engine().dispatchPause());
            List<String> expected = new ArrayList<>(List.of(first));
            expected.addAll(ids);
            expected.remove(dropped);
            assertEquals(expected, lines(ran), "every task ran exactly once, in submission order, the terminated one never");
            for (String id : expected) {
                assertEquals("Process exited with code 0", d.getRemoteExitInfo(id).message(), id);
            }
            assertEquals(Map.of(), collectErrors(d, ids));
            assertEquals(1, log.lines(PAUSED), "one warning for the whole shortage:\n" + log.text());
        }
    }

    @Test
    void stopDoesNotHangWhileDispatchIsPaused() throws Exception {
        Path ran = tmp.resolve("ran");
        List<String> ids;
        try (StandardErrorCapture log = StandardErrorCapture.start()) {
            MultiprocessDistributor d = Hosts.open(journal(), 2);
            try {
                d.start();
                runOne(d, ran);
                exhaustDescriptors(launcherPid());
                ids = submitTasks(d, 10, ran);
                awaitPause(log, d, ids, "Too many open files");
            } finally {
                long t0 = System.nanoTime();
                d.close();
                assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(60), "close() returned in "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
                // the bound tells a return from a hang; stop()'s fallback, which a stall would reach, says so in the log
                assertFalse(log.text().contains("did not end after stop()"), log.text());
            }
        }
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            List<String> ends = Hosts.jdbi(d).withHandle(h -> h.createQuery(
                    "SELECT state || ' ' || end_cause FROM task WHERE task_id IN (<ids>)").bindList("ids", ids).mapTo(String.class).list());
            assertEquals(ids.stream().map(id -> "TERMINATED stopped").toList(), ends, "stop() ended the queued tasks as stopped");
        }
    }

    /**
     * RLIMIT_NPROC binds only users other than root, so when the tests run as root the launcher runs as
     * nobody (setpriv, keeping only the capability to use the journal's private directories), and its
     * limit is set by nobody too (root may lack CAP_SYS_RESOURCE, as in containers).
     */
    @Test
    void forkFailuresPauseDispatchUntilProcessesCanBeStartedAgain() throws Exception {
        Path ran = tmp.resolve("ran");
        boolean root = ProcessHandle.current().info().user().map("root"::equals).orElse(false);
        MultiprocessDistributor.Builder builder = Hosts.builder(journal(), 2);
        String prlimit = root ? "setpriv --reuid=65534 --regid=65534 --clear-groups prlimit" : "prlimit";
        if (root) {
            Path agent = LauncherBinary.install(tmp.resolve("bin"));
            Path asNobody = Files.writeString(tmp.resolve("mpagent-as-nobody"), "#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 "
                    + "--clear-groups --inh-caps=+dac_override --ambient-caps=+dac_override " + agent + " \"$@\"\n");
            Files.setPosixFilePermissions(asNobody, PosixFilePermissions.fromString("rwx------"));
            builder.launcherBinary(asNobody);
        }
        try (StandardErrorCapture log = StandardErrorCapture.start(); MultiprocessDistributor d = builder.build()) {
            d.start();
            String first = runOne(d, ran);
            long launcher = launcherPid();
            String limit = softLimit(prlimit, launcher, "nproc");
            run(prlimit, "--pid", Long.toString(launcher), "--nproc=1:");
            List<String> ids = submitTasks(d, 20, ran);
            awaitPause(log, d, ids, "cannot start a process: Resource temporarily unavailable"); // vfork: EAGAIN
            run(prlimit, "--pid", Long.toString(launcher), "--nproc=" + limit + ":");
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(60)), "all tasks end once processes can be started");
            List<String> expected = new ArrayList<>(ids);
            expected.add(first);
            assertEquals(sorted(expected), sorted(lines(ran)), "every task ran exactly once");
            for (String id : ids) {
                assertEquals("Process exited with code 0", d.getRemoteExitInfo(id).message(), id);
            }
            assertEquals(1, log.lines(PAUSED), "one warning for the whole shortage:\n" + log.text());
        }
    }
}
