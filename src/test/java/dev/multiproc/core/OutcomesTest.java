package dev.multiproc.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.state.TaskRecord;
import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.cluster.TaskInstanceStatus;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * How a task ended, from what its launcher recorded (the two lines of a state file, as {@code mpagent.h} has
 * them) or from what the host knows when nobody recorded it: the journal's state and cause, and the
 * protocol's status and message.
 */
class OutcomesTest {
    private static final TaskInstanceStatus U = TaskInstanceStatus.UNKNOWN_ERROR;
    private static final TaskInstanceStatus Z = TaskInstanceStatus.RESOURCE_ERROR;

    /** A finished attempt, started at t0=1000 (ms); {@code result} is the launcher's second line without its "end". */
    private static TaskRecord finished(String result) {
        return TaskRecord.parse("pid=4242 start=99 t0=1000 launcher=17:5 end " + result + " end").orElseThrow();
    }

    private static String ended(String exitSigCause) {
        return "t1=3500 " + exitSigCause + " errno=0 stage=- term=0 utime_us=1200000 stime_us=300000 maxrss_kb=2048 peak_kb=3072 limit=0";
    }

    private static Outcome outcome(TaskState state, EndCause cause, TaskInstanceStatus status, String message, Integer exit, Integer signal,
            Long cpuMs, Long peakKb) {
        return new Outcome(state, cause, status, message, exit, signal, cpuMs, peakKb);
    }

    @Test
    void aCommandThatExitedZeroIsDoneWithItsUsage() {
        Outcome o = Outcomes.fromResult(finished(ended("exit=0 sig=0 cause=exit")), null);
        assertEquals(outcome(TaskState.DONE, EndCause.EXIT, U, "Process exited with code 0", 0, null, 1500L, 3072L), o);
        assertEquals(new RemoteExitInfo(U, "Process exited with code 0"), o.exitInfo());
        assertFalse(o.isQueueingError());
    }

    @Test
    void aCommandThatExitedNonZeroFailed() {
        Outcome o = Outcomes.fromResult(finished(ended("exit=3 sig=0 cause=exit")), null);
        assertEquals(outcome(TaskState.FAILED, EndCause.EXIT, U, "Process exited with code 3", 3, null, 1500L, 3072L), o);
    }

    @Test
    void exitCode199IsTheKillSelfState() {
        Outcome o = Outcomes.fromResult(finished(ended("exit=199 sig=0 cause=exit")), null);
        assertEquals(TaskState.FAILED, o.state());
        assertEquals("job was in kill self state", o.message());
        assertEquals(199, o.exitCode());
    }

    @Test
    void aCommandKilledByASignalNobodyHereSentFailedWithTheSignalNamed() {
        Outcome o = Outcomes.fromResult(finished(ended("exit=137 sig=9 cause=signal")), null);
        assertEquals(outcome(TaskState.FAILED, EndCause.SIGNAL, U, "Process exited with code 137 (killed by SIGKILL)", 137, 9, 1500L,
                3072L), o);
        assertEquals("Process exited with code 159 (killed by signal 31)",
                Outcomes.fromResult(finished(ended("exit=159 sig=31 cause=signal")), null).message(), "a signal without a name");
    }

    @Test
    void aTaskTerminatedAtTheHostsRequestSaysWhyAndHowItEnded() {
        Outcome o = Outcomes.fromResult(finished(ended("exit=143 sig=15 cause=terminated")), Outcomes.TerminateReason.REQUEST);
        assertEquals(outcome(TaskState.TERMINATED, EndCause.TERMINATED, U,
                "terminated by request; the command ended by SIGTERM (exit code 143)", 143, 15, 1500L, 3072L), o);
        Outcome exited = Outcomes.fromResult(finished(ended("exit=2 sig=0 cause=terminated")), Outcomes.TerminateReason.REQUEST);
        assertEquals("terminated by request; the command exited with code 2", exited.message(), "it handled SIGTERM and exited");
    }

    @Test
    void eachReasonToTerminateHasItsCauseAndText() {
        TaskRecord record = finished(ended("exit=143 sig=15 cause=terminated"));
        Outcome stopped = Outcomes.fromResult(record, Outcomes.TerminateReason.STOP);
        assertEquals(EndCause.STOPPED, stopped.endCause());
        assertEquals("terminated by stop() of the distributor; the command ended by SIGTERM (exit code 143)", stopped.message());
        Outcome recovery = Outcomes.fromResult(record, Outcomes.TerminateReason.RECOVERY);
        assertEquals(EndCause.RECOVERY_KILL, recovery.endCause());
        assertEquals("terminated by recovery: its host had died and orphan_policy is kill; the command ended by SIGTERM (exit code 143)",
                recovery.message());
        Outcome unasked = Outcomes.fromResult(record, null);
        assertEquals(TaskState.TERMINATED, unasked.state());
        assertEquals(EndCause.TERMINATED, unasked.endCause());
        assertEquals("terminated by a request this host did not make; the command ended by SIGTERM (exit code 143)", unasked.message(),
                "a launcher that a later host reattached to was asked by the host before");
    }

    @Test
    void aTaskAskedToEndThatEndedOnItsOwnFirstIsTerminatedWithItsExit() {
        Outcome o = Outcomes.fromResult(finished(ended("exit=0 sig=0 cause=exit")), Outcomes.TerminateReason.STOP);
        assertEquals(outcome(TaskState.TERMINATED, EndCause.STOPPED, U, "terminated by stop() of the distributor; Process exited with code 0",
                0, null, 1500L, 3072L), o);
    }

    @Test
    void aTaskOverItsRuntimeIsAResourceErrorWithTheLimitAndTheTimeItRan() {
        Outcome o = Outcomes.fromResult(finished("t1=3600 exit=143 sig=15 cause=runtime errno=0 stage=- term=15 utime_us=0 stime_us=0 "
                + "maxrss_kb=100 peak_kb=100 limit=2000"), null);
        assertEquals(outcome(TaskState.FAILED, EndCause.RUNTIME, Z,
                "runtime limit of 2s exceeded after running 2.6s; the command ended by SIGTERM (exit code 143)", 143, 15, 0L, 100L), o);
        assertEquals(Z, o.exitInfo().status(), "Jobmon retries a RESOURCE_ERROR with more resources");
    }

    @Test
    void aTaskOverItsMemoryIsAResourceErrorWithTheLimitAndThePeak() {
        Outcome o = Outcomes.fromResult(finished("t1=2000 exit=0 sig=0 cause=memory errno=0 stage=- term=15 utime_us=1000 stime_us=1000 "
                + "maxrss_kb=300000 peak_kb=327680 limit=102400"), null);
        assertEquals(outcome(TaskState.FAILED, EndCause.MEMORY, Z,
                "memory limit of 100.0 MiB exceeded: the task's processes reached 320.0 MiB; the command exited with code 0", 0, null, 2L,
                327680L), o);
    }

    @Test
    void aTaskThatCouldNotStartIsAQueueingErrorNamingWhatFailed() {
        Outcome sh = Outcomes.fromResult(finished("t1=1000 exit=127 sig=0 cause=spawn_error errno=7 stage=exec term=0 utime_us=0 stime_us=0 "
                + "maxrss_kb=0 peak_kb=0 limit=0"), null);
        assertEquals(outcome(TaskState.ERROR, EndCause.SPAWN_ERROR, U,
                "cannot start /bin/sh: E2BIG: the command is longer than the operating system accepts", null, null, null, null), sh);
        assertTrue(sh.isQueueingError());
        Outcome stdout = Outcomes.fromResult(finished("t1=1000 exit=127 sig=0 cause=spawn_error errno=13 stage=stdout term=0 utime_us=0 "
                + "stime_us=0 maxrss_kb=0 peak_kb=0 limit=0"), null);
        assertEquals("cannot open the stdout log: EACCES: Permission denied", stdout.message());
        Outcome stderr = Outcomes.fromResult(finished("t1=1000 exit=127 sig=0 cause=spawn_error errno=99 stage=stderr term=0 utime_us=0 "
                + "stime_us=0 maxrss_kb=0 peak_kb=0 limit=0"), Outcomes.TerminateReason.REQUEST);
        assertEquals("cannot open the stderr log: errno 99", stderr.message(), "an errno without a name; a terminate asked meanwhile changes nothing");
        assertTrue(stderr.isQueueingError());
    }

    @Test
    void aTaskNobodyRecordedIsLost() {
        long started = Instant.parse("2026-01-02T03:04:05Z").toEpochMilli();
        String what = Outcomes.describeProcess(4242, started);
        assertEquals("process 4242 (started at 2026-01-02T03:04:05Z)", what);
        assertEquals("process 4242", Outcomes.describeProcess(4242, 0), "a start time nobody knows is left out");
        Outcome o = Outcomes.lost(what + " is gone and its launcher with it");
        assertEquals(outcome(TaskState.LOST, EndCause.LOST, U, "task lost: process 4242 (started at 2026-01-02T03:04:05Z) is gone and its "
                + "launcher with it", null, null, null, null), o);
        assertFalse(o.isQueueingError());
    }

    @Test
    void aQueuedTaskTerminatedBeforeItStartedSaysSo() {
        assertEquals(outcome(TaskState.TERMINATED, EndCause.TERMINATED, U, "terminated by request before it started", null, null, null, null),
                Outcomes.terminatedWhileQueued(Outcomes.TerminateReason.REQUEST));
        assertEquals(outcome(TaskState.TERMINATED, EndCause.STOPPED, U, "terminated by stop() of the distributor before it started", null,
                null, null, null), Outcomes.terminatedWhileQueued(Outcomes.TerminateReason.STOP));
    }

    @Test
    void aQueueingErrorCarriesItsMessage() {
        Outcome o = Outcomes.queueingError("cannot create the log directory /x: permission denied");
        assertEquals(outcome(TaskState.ERROR, EndCause.SPAWN_ERROR, U, "cannot create the log directory /x: permission denied", null, null,
                null, null), o);
        assertTrue(o.isQueueingError());
        assertEquals(new RemoteExitInfo(U, "cannot create the log directory /x: permission denied"), o.exitInfo());
    }

    @Test
    void durationsAndSizesReadAsPeopleWriteThem() {
        assertEquals("0s", Outcomes.seconds(0));
        assertEquals("7200s", Outcomes.seconds(7_200_000));
        assertEquals("0.1s", Outcomes.seconds(100));
        assertEquals("2.5s", Outcomes.seconds(2_549));
        assertEquals("1023 KiB", Outcomes.kib(1023));
        assertEquals("1.0 MiB", Outcomes.kib(1024));
        assertEquals("1.5 GiB", Outcomes.kib(3L << 19));
    }
}
