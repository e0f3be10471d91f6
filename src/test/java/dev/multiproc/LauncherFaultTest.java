package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import dev.multiproc.testing.Leftovers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The program that starts tasks fails: tasks already running are followed, the rest get clear queueing errors. */
class LauncherFaultTest extends JournalTest {

    @Test
    void whenTheLauncherDiesItsTasksAreFollowedToTheirEndAsLostAndNewOnesStillRun() throws Exception {
        try (MultiprocessDistributor d = Hosts.open(journal(), 2)) {
            d.start();
            Path gate = Files.createFile(tmp.resolve("gate")); // the tasks run until the launcher is dead
            String wait = "; while [ -e " + gate + " ]; do sleep 0.05; done; exit ";
            String a = d.submitToBatchDistributor("touch " + tmp + "/a" + wait + "4", "a", Map.of());
            String b = d.submitToBatchDistributor("touch " + tmp + "/b" + wait + "5", "b", Map.of());
            await("both to start", () -> Files.exists(tmp.resolve("a")) && Files.exists(tmp.resolve("b")));
            // the launcher runs as "mpagent launcher DIR SLOTS"; ours is our child (one an earlier host left is not)
            long self = ProcessHandle.current().pid();
            List<String> launchers = Leftovers.of(journal()).stream().filter(p -> p.contains(" launcher ")).filter(p ->
                    dev.multiproc.proc.ProcStat.read(Long.parseLong(p.substring(0, p.indexOf(':')))).orElseThrow().ppid() == self).toList();
            assertEquals(1, launchers.size(), launchers.toString());
            long launcher = Long.parseLong(launchers.get(0).substring(0, launchers.get(0).indexOf(':')));
            ProcessHandle.of(launcher).orElseThrow().destroyForcibly();
            await("the launcher to die", () -> !dev.multiproc.proc.ProcStat.read(launcher).map(dev.multiproc.proc.ProcStat::isLive)
                    .orElse(false));
            Files.delete(gate);
            String c = d.submitToBatchDistributor("exit 6", "c", Map.of());
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)));
            // the launcher is the tasks' parent: without it, nobody can learn their exit codes
            for (String id : List.of(a, b)) {
                String message = d.getRemoteExitInfo(id).message();
                assertTrue(message.startsWith("task lost:") && message.contains("its launcher died"), message);
            }
            assertEquals("Process exited with code 6", d.getRemoteExitInfo(c).message());
        }
    }

    @Test
    void aMissingLauncherBinaryGivesQueueingErrorsNotADeadDispatcher() throws Exception {
        Path missing = tmp.resolve("no-such-program");
        try (MultiprocessDistributor d = Hosts.builder(journal(), 2).launcherBinary(missing).build()) {
            d.start();
            String id = d.submitToBatchDistributor("true", "t", Map.of());
            Map<Integer, String> array = d.submitArrayToBatchDistributor("true", "a", Map.of(), 3);
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(10)));
            Map<String, String> errors = d.getQueueingErrors(List.of(id, array.get(0), array.get(1), array.get(2)));
            assertEquals(4, errors.size());
            assertTrue(errors.get(id).contains(missing + " does not exist"), errors.get(id));
            String later = d.submitToBatchDistributor("true", "later", Map.of());
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(10)));
            assertTrue(d.getQueueingErrors(List.of(later)).containsKey(later), "the dispatcher keeps answering");
        }
    }

    @Test
    void aLauncherBinaryThatIsNotExecutableGivesQueueingErrors() throws Exception {
        Path plain = Files.writeString(tmp.resolve("not-executable"), "#!/bin/sh\n");
        try (MultiprocessDistributor d = Hosts.builder(journal(), 2).launcherBinary(plain).build()) {
            d.start();
            String id = d.submitToBatchDistributor("true", "t", Map.of());
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(10)));
            assertTrue(d.getQueueingErrors(List.of(id)).get(id).contains("is not executable"));
        }
    }
}
