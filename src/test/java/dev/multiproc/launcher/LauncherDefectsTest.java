package dev.multiproc.launcher;

import dev.multiproc.proc.ProcStat;
import dev.multiproc.proc.ProcessTrees;

import static dev.multiproc.launcher.Launchers.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.testing.JournalTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Defects a review found in the launcher, each shown with real tasks: the launcher now does what it says. */
class LauncherDefectsTest extends JournalTest {
    private Launcher launcher;

    @AfterEach
    void endLauncher() {
        if (launcher != null) {
            launcher.close();
        }
    }

    private static boolean alive(long pid) {
        return ProcStat.read(pid).map(ProcStat::isLive).orElse(false);
    }

    /** The time a thousand processes take to start or end on a loaded two-core machine. */
    private static final Duration FOR_A_THOUSAND = Duration.ofSeconds(180);

    /** Ends every task still running (each gets SIGTERM) and waits for their ends. */
    private void endAll(RecordedEvents events) throws Exception {
        for (String key : events.started.keySet()) {
            if (!events.exits.containsKey(key)) {
                launcher.kill(key);
            }
        }
        await("every task to end", FOR_A_THOUSAND, () -> events.exits.keySet().containsAll(events.started.keySet()));
    }

    @Test
    void aRequestWithAnInvalidKeyIsRefusedWithAMessageThatSaysWhatIsWrong() throws Exception {
        RecordedEvents events = new RecordedEvents();
        launcher = Launchers.start(journal(), 2, Duration.ofMillis(100), events);
        launcher.kill("a b");
        launcher.send(List.of(task(".hidden", "true"), task("x".repeat(201), "true"), task("tab\there", "true")));
        await("four refusals", () -> events.failures().size() == 4);
        String rule = " (keys hold only letters, digits, '_', '-' and '.')";
        assertEquals(List.of(
                new RecordedEvents.Failure("?", 22, "bad request (op=kill): key \"a b\" holds ' '" + rule),
                new RecordedEvents.Failure("?", 22, "bad request (start): key \".hidden\" starts with '.'"),
                new RecordedEvents.Failure("?", 22, "bad request (start): key \"" + "x".repeat(58) + "...\" is longer than 200 characters"),
                new RecordedEvents.Failure("?", 22, "bad request (start): key \"tab?here\" holds byte 0x09" + rule)), events.failures());
        launcher.send(List.of(task("fine", "exit 3")));
        await("a valid request to run", () -> events.exits.containsKey("fine"));
        assertEquals(3, events.exits.get("fine").result().exitCode());
    }

    /** The launcher measured only the first 1,024 running tasks: the 1,025th could use any amount of memory. */
    @Test
    @Tag("slow") // 1,025 processes: 30 s on a loaded two-core machine
    void theMemoryLimitHoldsForEveryRunningTaskNotOnlyTheFirst1024() throws Exception {
        RecordedEvents events = new RecordedEvents();
        launcher = Launchers.start(journal(), 1100, Duration.ofMillis(200), events);
        try {
            List<SpawnRequest> batch = new ArrayList<>();
            for (int i = 0; i < 1024; i++) {
                batch.add(task("idle-" + i, "exec sleep 300"));
            }
            batch.add(Launchers.withMemoryLimit("hog", "exec /usr/bin/python3 -c \"import time; b = b'x' * (256 << 20); time.sleep(300)\"",
                    64 * 1024));
            launcher.send(batch);
            await("all 1,025 to start", FOR_A_THOUSAND, () -> events.started.size() == 1025);
            await("the 1,025th task to be stopped at its memory limit", FOR_A_THOUSAND, () -> events.exits.containsKey("hog"));
            RecordedEvents.Exit hog = events.exits.get("hog");
            assertEquals(dev.multiproc.core.EndCause.MEMORY, hog.result().cause());
            assertTrue(hog.result().peakKb() > 64 * 1024, "peak " + hog.result().peakKb() + " KiB");
        } finally {
            endAll(events);
        }
    }

    /**
     * The launcher remembered the last 512 task ends for the sweep of what tasks leave in their sessions,
     * which it promises for 30 s; at full speed 512 ends take well under a second.
     */
    @Test
    @Tag("slow") // 541 tasks
    void whatATaskLeftInItsSessionIsSweptAlthoughMoreThan512TasksEndedAfterIt() throws Exception {
        RecordedEvents events = new RecordedEvents();
        launcher = Launchers.start(journal(), 4, Duration.ofHours(1), events); // no measurement until the test asks
        Path mark = tmp.resolve("left");
        // a background process in a process group of its own, in the task's session; the task ends once it is there
        launcher.send(List.of(task("leaver", "perl -e 'setpgrp(0, 0); open(F, \">" + mark + "\"); print F $$; close F; "
                + "exec \"sleep\", \"300\"' & while [ ! -s " + mark + " ]; do sleep 0.01; done")));
        await("the leaver to end", () -> events.exits.containsKey("leaver"));
        long left = Long.parseLong(Files.readString(mark).trim());
        List<SpawnRequest> quick = new ArrayList<>();
        for (int i = 0; i < 540; i++) {
            quick.add(task("quick-" + i, "true"));
        }
        launcher.send(quick);
        await("540 more ends", () -> events.exits.size() == 541);
        assertTrue(alive(left), "nothing measured yet, so nothing swept yet");
        launcher.samplePeriod(Duration.ofMillis(50));
        await("the sweep to end what the leaver left", () -> !alive(left));
    }

    /**
     * When the launcher exits, whatever is left below it goes, however deep: it walked at most 64 parents
     * per process, searching the whole process list at each step, so a deep tree took a pass per 64
     * levels at a cost that grew with the square of the number of processes; one pass now finds them all.
     */
    @Test
    @Tag("slow") // 200 shells started one after the other
    void everythingBelowTheLauncherGoesWhenItExitsAlsoAChainMuchDeeperThan64() throws Exception {
        RecordedEvents events = new RecordedEvents();
        launcher = Launchers.start(journal(), 1, Duration.ofMillis(100), events);
        Path mark = tmp.resolve("deepest");
        Path top = tmp.resolve("top");
        // a chain of 200 shells, each the parent of the next, in a session of its own: the task's sweeps do not reach it
        String level = "if [ \"$1\" -gt 0 ]; then sh -c \"$0\" \"$0\" $(($1 - 1)); true; else touch " + mark + "; exec sleep 300; fi";
        launcher.send(List.of(task("chain", "s='" + level + "'; setsid sh -c 'echo $$ > " + top + "; exec sh -c \"$0\" \"$0\" 200' \"$s\" & "
                + "while [ ! -e " + mark + " ]; do sleep 0.05; done")));
        await("the chain to be built and its task to end", () -> events.exits.containsKey("chain"));
        long session = Long.parseLong(Files.readString(top).trim());
        assertTrue(ProcessTrees.sessionMembers(session).size() >= 200, "the chain: " + ProcessTrees.sessionMembers(session).size());
        long pid = launcher.pid();
        launcher.release(); // nothing runs: it exits at once
        await("the launcher to exit", () -> !alive(pid));
        await("the chain to be gone", () -> !alive(session) && ProcessTrees.sessionMembers(session).isEmpty());
    }

    /** setsid() can fail (the launcher leads a process group already): it used to go unnoticed. */
    @Test
    void aLauncherThatCannotStartASessionOfItsOwnSaysSoAndStillWorks() throws Exception {
        Path agent = LauncherBinary.install(journal().resolve("bin"));
        Path groupLeader = Files.writeString(tmp.resolve("as-group-leader"), "#!/bin/sh\nexec /usr/bin/python3 -c "
                + "'import os, sys; os.setpgid(0, 0); os.execv(sys.argv[1], sys.argv[1:])' " + agent + " \"$@\"\n");
        Files.setPosixFilePermissions(groupLeader, PosixFilePermissions.fromString("rwx------"));
        RecordedEvents events = new RecordedEvents();
        launcher = Launchers.start(groupLeader, journal(), 2, Duration.ofMillis(100), events);
        String log = Files.readString(journal().resolve("launcher.log"));
        assertTrue(log.contains("mpagent: warning: cannot start a session of its own (Operation not permitted): it stays in process group "
                + launcher.pid()), log);
        launcher.send(List.of(task("works", "exit 4")));
        await("its task", () -> events.exits.containsKey("works"));
        assertEquals(4, events.exits.get("works").result().exitCode());
    }
}
