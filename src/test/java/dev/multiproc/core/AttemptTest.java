package dev.multiproc.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.proc.ProcStat;
import dev.multiproc.proc.ProcessIdentity;
import dev.multiproc.state.StateFiles;
import dev.multiproc.state.TaskRecord;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an attempt's state file and the processes it names say about the attempt when no launcher event will:
 * real state files in a temporary directory, written as a task and its launcher write them, naming real
 * processes that live, have ended, or are zombies.
 */
class AttemptTest {
    private static final String TASK = "17_3";
    private static final String RESULT = "t1=2000 exit=5 sig=0 cause=exit errno=0 stage=- term=0 utime_us=0 stime_us=0 maxrss_kb=1 "
            + "peak_kb=1 limit=0 end\n";

    @TempDir
    Path dir;

    private StateFiles files;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void stateDirectory() {
        files = new StateFiles(dir);
    }

    @AfterEach
    void endWhatWasStarted() throws InterruptedException {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private ProcessIdentity alive() throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        started.add(p);
        return identity(p.pid());
    }

    /** A process that has ended and been reaped. */
    private static ProcessIdentity ended() throws Exception {
        Process p = new ProcessBuilder("true").start();
        long ticks = ProcStat.read(p.pid()).map(ProcStat::startTicks).orElse(1L); // it may be gone already: any tick will do
        assertEquals(0, p.waitFor());
        assertTrue(ProcessHandle.of(p.pid()).isEmpty() || !ProcessHandle.of(p.pid()).get().isAlive());
        return new ProcessIdentity(p.pid(), ticks);
    }

    /** A process that has ended and that its parent has not reaped: a zombie. */
    private ProcessIdentity zombie() throws Exception {
        for (int tries = 0; tries < 10; tries++) {
            // the shell's child ends a moment later, when the shell has become `sleep`, which never waits for it (a shell
            // still a shell by then reaps it: then try again)
            Process p = new ProcessBuilder("sh", "-c", "sleep 0.2 & echo $!; exec sleep 60").start();
            started.add(p);
            long pid = Long.parseLong(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII)).readLine()
                    .trim());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            java.util.Optional<ProcStat> stat = ProcStat.read(pid);
            while (stat.isPresent() && stat.get().isLive() && System.nanoTime() < deadline) {
                Thread.sleep(5);
                stat = ProcStat.read(pid);
            }
            if (stat.isPresent() && stat.get().state() == 'Z') {
                return new ProcessIdentity(pid, stat.get().startTicks());
            }
        }
        throw new AssertionError("no zombie in ten tries");
    }

    private static ProcessIdentity identity(long pid) {
        return new ProcessIdentity(pid, ProcStat.read(pid).orElseThrow().startTicks());
    }

    private static ProcessIdentity self() {
        return identity(ProcessHandle.current().pid());
    }

    /** The first line, as the task writes it before its command starts. */
    private void startedAs(ProcessIdentity task, ProcessIdentity launcher) throws Exception {
        Files.writeString(dir.resolve(StateFiles.key(TASK, 0)), "pid=" + task.pid() + " start=" + task.startTicks() + " t0=1000"
                + (launcher == null ? "" : " launcher=" + launcher.pid() + ":" + launcher.startTicks()) + " end\n");
    }

    private void finished() throws Exception {
        Files.writeString(dir.resolve(StateFiles.key(TASK, 0)), RESULT, java.nio.file.StandardOpenOption.APPEND);
    }

    private Attempt inspect() {
        return Attempt.inspect(files, TASK, 0);
    }

    @Test
    void noFileIsAnAttemptThatNeverStarted() {
        Attempt a = inspect();
        assertEquals(Attempt.Fate.ABSENT, a.fate());
        assertNull(a.record());
    }

    @Test
    void aClaimedAttemptNeverRuns() throws Exception {
        assertTrue(files.claim(TASK, 0));
        assertEquals(Attempt.Fate.CLAIMED, inspect().fate());
        assertEquals(Attempt.Fate.ABSENT, Attempt.inspect(files, TASK, 1).fate(), "another attempt of the task is another file");
    }

    @Test
    void aFileWithoutACompleteLineIsAnAttemptStillStarting() throws Exception {
        Path file = dir.resolve(StateFiles.key(TASK, 0));
        Files.createFile(file);
        assertEquals(Attempt.Fate.STARTING, inspect().fate(), "created, nothing written yet");
        Files.writeString(file, "pid=" + alive().pid() + " start=");
        assertEquals(Attempt.Fate.STARTING, inspect().fate(), "its identity half written");
        assertNull(inspect().record());
    }

    @Test
    void aLiveProcessWithTheStartTickOfTheFileIsRunning() throws Exception {
        ProcessIdentity task = alive();
        startedAs(task, null);
        Attempt a = inspect();
        assertEquals(Attempt.Fate.RUNNING, a.fate());
        assertEquals(task, a.record().identity());
        assertEquals(1000, a.record().t0Ms());
    }

    @Test
    void aResultInTheFileIsFinishedWhateverTheProcessesDo() throws Exception {
        startedAs(alive(), self()); // a pid the kernel has given to a new process by now: the result counts
        finished();
        Attempt a = inspect();
        assertEquals(Attempt.Fate.FINISHED, a.fate());
        TaskRecord.Result r = a.record().result();
        assertEquals(5, r.exitCode());
        assertEquals(EndCause.EXIT, r.cause());
    }

    @Test
    void aGoneProcessWhoseLauncherLivesIsEndingTheLauncherRecordsItsResult() throws Exception {
        ProcessIdentity task = ended();
        startedAs(task, self());
        Attempt a = inspect();
        assertEquals(Attempt.Fate.ENDING, a.fate());
        assertEquals(task, a.record().identity());
        finished();
        assertEquals(Attempt.Fate.FINISHED, inspect().fate(), "once the launcher wrote it");
    }

    @Test
    void aGoneProcessWithoutALiveLauncherIsLost() throws Exception {
        ProcessIdentity task = ended();
        startedAs(task, ended());
        Attempt withDeadLauncher = inspect();
        assertEquals(Attempt.Fate.LOST, withDeadLauncher.fate());
        assertEquals(task, withDeadLauncher.record().identity(), "what was known of it, to say what was lost");
        startedAs(task, null);
        assertEquals(Attempt.Fate.LOST, inspect().fate(), "no launcher named at all");
    }

    @Test
    void aPidThatNowNamesAnotherProcessIsNotTheTask() throws Exception {
        ProcessIdentity other = alive();
        startedAs(new ProcessIdentity(other.pid(), other.startTicks() - 1), null);
        assertEquals(Attempt.Fate.LOST, inspect().fate());
        ProcessIdentity launcher = self();
        startedAs(new ProcessIdentity(other.pid(), other.startTicks() - 1), new ProcessIdentity(launcher.pid(), launcher.startTicks() + 1));
        assertEquals(Attempt.Fate.LOST, inspect().fate(), "nor is a launcher whose pid was given to another process");
    }

    @Test
    void aZombieIsNotRunning() throws Exception {
        ProcessIdentity task = zombie();
        startedAs(task, null);
        assertEquals(Attempt.Fate.LOST, inspect().fate(), "ended: only its parent has not noticed");
        startedAs(alive(), zombie());
        assertEquals(Attempt.Fate.RUNNING, inspect().fate(), "the task lives, whatever became of its launcher");
        startedAs(task, zombie());
        assertEquals(Attempt.Fate.LOST, inspect().fate(), "a zombie launcher records nothing any more");
    }
}
