package dev.multiproc.launcher;

import dev.multiproc.proc.ProcStat;
import dev.multiproc.proc.ProcessTrees;

import static dev.multiproc.launcher.Launchers.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.launcher.Launcher.LauncherException;
import dev.multiproc.testing.Attacker;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A launcher whose host left (its input closed, as when the host dies) goes on alone; a later host
 * attaches to it through its socket, learns what it supervises, follows its tasks to their true ends and
 * can terminate them. Real launchers, real tasks, a second Unix user.
 */
class LauncherReattachTest extends JournalTest {
    private Launcher launcher;

    @AfterEach
    void endLauncher() {
        if (launcher != null) {
            launcher.close();
        }
    }

    private Path stateDir() {
        return Launchers.stateDir(journal());
    }

    /** A launcher that started {@code tasks} and then lost its host; returns its socket. */
    private Path survivorOf(SpawnRequest... tasks) throws Exception {
        RecordedEvents own = new RecordedEvents();
        launcher = Launchers.start(journal(), 4, Duration.ofMillis(100), own);
        launcher.send(List.of(tasks));
        await("the tasks to start", () -> own.started.size() == tasks.length);
        Path socket = launcher.socket();
        assertTrue(assertThrows(LauncherException.class, () -> LauncherConnection.attach(socket, new RecordedEvents())).getMessage()
                .contains("the launcher's host is connected"), "no client while the host is there");
        launcher.release(); // its input closes, as when the host dies
        await("the launcher to notice its host left", () -> attachable(socket));
        return socket;
    }

    /** Whether a client is accepted now (it disconnects at once). */
    private static boolean attachable(Path socket) {
        try (LauncherConnection c = LauncherConnection.attach(socket, new RecordedEvents())) {
            return true;
        } catch (LauncherException e) {
            if (e.getMessage().contains("busy")) {
                return false;
            }
            throw new AssertionError(e);
        }
    }

    private static LauncherConnection attachWhenFree(Path socket, RecordedEvents events) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try {
                return LauncherConnection.attach(socket, events);
            } catch (LauncherException e) {
                if (!e.getMessage().contains("another client is attached") || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(10);
            }
        }
    }

    private static String contentOf(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private Path registry() {
        return stateDir().resolve("launcher." + launcher.pid());
    }

    @Test
    void aLaterHostAttachesFollowsTheTasksToTheirTrueEndsAndTheLauncherThenExitsAndCleansUp() throws Exception {
        Path go = tmp.resolve("go");
        Path socket = survivorOf(task("ends", "while [ ! -e " + go + " ]; do sleep 0.02; done; exit 7"), task("runs", "sleep 300"));
        assertEquals(List.of(new SurvivingLauncher(launcher.pid(), ProcStat.read(launcher.pid()).orElseThrow().startTicks(),
                Handshake.PROTOCOL_VERSION, socket.toRealPath())), Launcher.findSurvivors(stateDir()));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(registry())));

        RecordedEvents events = new RecordedEvents();
        try (LauncherConnection c = LauncherConnection.attach(socket, events)) {
            assertEquals(Map.of("ends", "running", "runs", "running"),
                    c.snapshot().stream().collect(Collectors.toMap(LauncherConnection.SupervisedTask::key, LauncherConnection.SupervisedTask::state)));
            assertEquals(Map.of("ends", "running", "runs", "running"), events.reattached, "delivered before attach returns");
            assertEquals(Handshake.PROTOCOL_VERSION, c.handshake().version());

            Files.createFile(go);
            await("the end of the task that ends", () -> events.exits.containsKey("ends"));
            RecordedEvents.Exit ends = events.exits.get("ends");
            assertEquals(7 << 8, ends.waitStatus());
            assertEquals(7, ends.result().exitCode());
            assertEquals(dev.multiproc.core.EndCause.EXIT, ends.result().cause());

            c.kill("runs");
            await("the end of the task killed through the socket", () -> events.exits.containsKey("runs"));
            RecordedEvents.Exit runs = events.exits.get("runs");
            assertEquals(dev.multiproc.core.EndCause.TERMINATED, runs.result().cause());
            assertEquals(15, runs.result().signal());

            assertTrue(c.awaitEnd(Duration.ofSeconds(30)), "the launcher ends the connection after its last task");
            assertEquals(List.of(), events.gone(), "a connection that ends after the last task is no surprise");
        }
        assertFalse(Files.exists(socket), "the socket is removed");
        assertFalse(Files.exists(registry()), "the description is removed");
        assertEquals(List.of(), Launcher.findSurvivors(stateDir()));
    }

    @Test
    void killingThroughTheSocketEndsTheTaskWithItsTreeAndSigkillsWhatIgnoresSigtermAfterTheGrace() throws Exception {
        Path ready = tmp.resolve("ready");
        Duration grace = Duration.ofMillis(1500);
        Path socket = survivorOf(task("stubborn", "trap '' TERM; sleep 300 & sh -c 'sleep 300; true' & touch " + ready + "; wait", grace));
        await("its tree to be there", () -> Files.exists(ready));
        RecordedEvents events = new RecordedEvents();
        try (LauncherConnection c = LauncherConnection.attach(socket, events)) {
            long pid = c.snapshot().get(0).pid();
            await("its tree", () -> ProcessTrees.sessionMembers(pid).size() >= 3);
            long sent = System.nanoTime();
            c.kill("stubborn");
            await("its end", () -> events.exits.containsKey("stubborn"));
            RecordedEvents.Exit end = events.exits.get("stubborn");
            long tookMs = (end.atNanos() - sent) / 1_000_000;
            assertTrue(tookMs >= grace.toMillis() - 20, "SIGKILL came after " + tookMs + " ms, before the grace of " + grace);
            assertEquals(9, end.result().signal(), "it ignored SIGTERM: SIGKILL ended it");
            assertEquals(15, end.result().termSignal());
            assertEquals(dev.multiproc.core.EndCause.TERMINATED, end.result().cause());
            await("its whole tree to go", () -> ProcessTrees.sessionMembers(pid).isEmpty());
            assertTrue(c.awaitEnd(Duration.ofSeconds(30)));
        }
    }

    @Test
    void oneClientAtATimeAndTheNextIsAcceptedOnceItLeaves() throws Exception {
        Path socket = survivorOf(task("runs", "sleep 300"));
        RecordedEvents second = new RecordedEvents();
        try (LauncherConnection first = LauncherConnection.attach(socket, new RecordedEvents())) {
            LauncherException refused = assertThrows(LauncherException.class, () -> LauncherConnection.attach(socket, second));
            assertEquals("the launcher at " + socket + " refused the connection: busy: another client is attached", refused.getMessage());
            assertEquals(1, first.snapshot().size());
        }
        try (LauncherConnection next = attachWhenFree(socket, second)) {
            assertEquals("runs", next.snapshot().get(0).key());
            next.kill("runs");
            assertTrue(next.awaitEnd(Duration.ofSeconds(30)));
            assertEquals(dev.multiproc.core.EndCause.TERMINATED, second.exits.get("runs").result().cause());
        }
    }

    @Test
    void tasksThatEndedWhileNoHostWasAttachedComeWithTheSnapshot() throws Exception {
        Path go = tmp.resolve("go");
        Path socket = survivorOf(task("early", "while [ ! -e " + go + " ]; do sleep 0.02; done; exit 3"), task("late", "sleep 300"));
        Files.createFile(go);
        await("the early task's result in its state file", () -> contentOf(stateDir().resolve("early")).contains("exit=3"));
        RecordedEvents events = new RecordedEvents();
        try (LauncherConnection c = LauncherConnection.attach(socket, events)) {
            assertEquals(List.of("T late running", "X early"), events.order(), "the snapshot, in order, before attach returns");
            assertEquals(3 << 8, events.exits.get("early").waitStatus());
            assertEquals(List.of("late"), c.snapshot().stream().map(LauncherConnection.SupervisedTask::key).toList());
            c.kill("late");
            assertTrue(c.awaitEnd(Duration.ofSeconds(30)));
        }
    }

    @Test
    void anotherUserIsRefusedEvenWhenTheDirectoriesLetItThrough() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Attacker.assumeAvailable(python);
        Path socket = survivorOf(task("runs", "sleep 300"));
        String client = String.join("\n", "import socket, sys", "s = socket.socket(socket.AF_UNIX)", "try:", "    s.connect(sys.argv[1])",
                "except OSError as e:", "    print('connect failed:', e.errno)", "    sys.exit(0)", "print('read:', s.recv(4096).decode().strip())",
                "print('then:', repr(s.recv(4096)))");
        Attacker.Result walledOff = Attacker.run(python.toString(), "-c", client, socket.toString());
        assertEquals("connect failed: 13", walledOff.out().trim(), walledOff.toString()); // EACCES: the 0700 directories

        // as on a file system that ignores modes: the launcher itself checks who connects
        Attacker.openPath(tmp, stateDir());
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        Attacker.Result refused = Attacker.run(python.toString(), "-c", client, socket.toString());
        for (Path p = stateDir(); p.startsWith(tmp); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        }
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        String uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid").toString();
        assertTrue(refused.out().startsWith("read: R 13 refused: uid ") && !refused.out().contains("uid " + uid + " "), refused.toString());
        assertTrue(refused.out().contains("then: b''"), "and the connection closes: " + refused);
        assertTrue(Files.readString(journal().resolve("agent.log")).contains("refused a connection to its socket"));

        RecordedEvents events = new RecordedEvents();
        try (LauncherConnection owner = LauncherConnection.attach(socket, events)) {
            assertEquals("runs", owner.snapshot().get(0).key(), "the owner is still welcome");
            owner.kill("runs");
            assertTrue(owner.awaitEnd(Duration.ofSeconds(30)));
        }
    }

    @Test
    void aClientThatDoesNotReadIsDroppedAndSupervisionGoesOn() throws Exception {
        Path go = tmp.resolve("go");
        Path socket = survivorOf(task("blocker", "while [ ! -e " + go + " ]; do sleep 0.02; done; exit 5"));
        int sent;
        String received;
        try (var reader = new SlowClient(socket)) {
            // each op=slots is refused with a line of ~90 bytes: 40,000 of them are far more than the launcher buffers
            sent = reader.sendWithoutReading(40_000, Duration.ofSeconds(30));
            received = reader.readAll(Duration.ofSeconds(30));
        }
        long refusals = received.lines().filter(l -> l.startsWith("E ? 1 refused: op=slots")).count();
        assertTrue(refusals < sent, "dropped before it was sent every answer: " + refusals + " of " + sent);
        assertTrue(Files.readString(journal().resolve("agent.log")).contains("dropped the client of its socket: it fell behind"));

        RecordedEvents events = new RecordedEvents();
        try (LauncherConnection c = attachWhenFree(socket, events)) {
            Files.createFile(go);
            await("the blocker's end", () -> events.exits.containsKey("blocker"));
            assertEquals(5, events.exits.get("blocker").result().exitCode());
            assertTrue(c.awaitEnd(Duration.ofSeconds(30)));
        }
    }

    @Test
    void aSurvivorsSocketAndDescriptionAreNotTakenForStateFilesByTheNextHostsRecovery() throws Exception {
        Path socket = survivorOf(task("runs", "sleep 300"));
        try (MultiprocessDistributor d = Hosts.open(journal(), 1)) {
            d.start(); // recovery reads and sweeps the state directory
        }
        assertTrue(Files.exists(socket));
        assertTrue(Files.exists(registry()));
        assertEquals(List.of(launcher.pid()), Launcher.findSurvivors(stateDir()).stream().map(SurvivingLauncher::pid).toList());
        try (LauncherConnection c = LauncherConnection.attach(socket, new RecordedEvents())) {
            c.kill("runs");
            assertTrue(c.awaitEnd(Duration.ofSeconds(30)));
        }
    }

    @Test
    void aKilledLaunchersDescriptionIsRecognisedAsDeadAndSoIsOneWhosePidWasReused() throws Exception {
        launcher = Launchers.start(journal(), 1, Duration.ofMillis(100), new RecordedEvents());
        long pid = launcher.pid();
        assertEquals(List.of(pid), Launcher.findSurvivors(stateDir()).stream().map(SurvivingLauncher::pid).toList());
        Path registry = registry();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL: it cannot clean up
        await("the launcher to die", () -> !ProcStat.read(pid).map(ProcStat::isLive).orElse(false));
        assertTrue(Files.exists(registry), "a SIGKILL leaves the description behind");
        assertEquals(List.of(), Launcher.findSurvivors(stateDir()), "its pid is gone");

        // a description whose pid now names another process (here, this JVM), which started at another time
        long self = ProcessHandle.current().pid();
        long selfTicks = ProcStat.read(self).orElseThrow().startTicks();
        Path reused = stateDir().resolve("launcher." + self);
        Files.writeString(reused, "pid=" + self + " start=" + (selfTicks - 1) + " version=3 socket=/nonexistent end\n");
        assertEquals(List.of(), Launcher.findSurvivors(stateDir()), "the pid is alive, but it is not that launcher");
        Files.writeString(reused, "pid=" + self + " start=" + selfTicks + " version=3 socket=/nonexistent end\n");
        assertEquals(List.of(self), Launcher.findSurvivors(stateDir()).stream().map(SurvivingLauncher::pid).toList(),
                "the same pid with the same start time is the process described");
        Files.writeString(reused, "pid=" + self + " start=" + (selfTicks - 1) + " version=3 socket=- end\n");
        assertNull(LauncherRegistry.described(stateDir()).stream().filter(l -> l.pid() == self).findFirst().orElseThrow().socket());

        assertEquals(2, LauncherRegistry.removeDead(stateDir()));
        assertFalse(Files.exists(registry));
        assertFalse(Files.exists(reused));
    }
}
