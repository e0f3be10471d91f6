package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.testing.HostProcess;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.Leftovers;
import dev.multiproc.testing.LoopDisk;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A power cut, for real as far as the file system can tell: the journal lives on an ext4 loop disk that
 * writes file data to its device only when a program flushes it; in the middle of a run of
 * submissions, the host and its tasks are frozen and the device copied, then mounted again on another
 * loop device, where a new host opens the journal. Nothing that was only in memory survives.
 */
@Tag("slow")
class PowerCutTest {
    @TempDir
    Path tmp;

    @Test
    void withSyncCommitsEveryAcknowledgedSubmissionSurvivesAPowerCut() throws Exception {
        Outcome o = powerCutDuringSubmissions(true);
        assertEquals(Set.of(), o.missing(), "acknowledged before the power cut, missing after it (" + o.acknowledged().size()
                + " acknowledged)");
    }

    @Test
    void withoutSyncCommitsAPowerCutMayCostTheLatestSubmissionsButTheJournalComesBack() throws Exception {
        Outcome o = powerCutDuringSubmissions(false);
        System.out.printf("PowerCutTest without sync_commits: %d acknowledged, %d missing after the power cut%n",
                o.acknowledged().size(), o.missing().size());
    }

    record Outcome(Set<String> acknowledged, Set<String> missing) {
    }

    private Outcome powerCutDuringSubmissions(boolean sync) throws Exception {
        Path image = tmp.resolve("disk.img");
        Path afterImage = tmp.resolve("after-the-power-cut.img");
        Path ledger = tmp.resolve("ledger");
        Set<String> acknowledged = new HashSet<>();
        try (LoopDisk disk = LoopDisk.create(image, tmp.resolve("disk"), 128)) {
            Path journal = disk.dir().resolve("journal");
            try (HostProcess host = HostProcess.start(journal, 2, "reattach", sync ? "sync" : "nosync")) {
                host.send("start");
                host.expect("STARTED");
                host.send("burst 100000 echo $JOB_ID >> " + ledger);
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                while (System.nanoTime() < until) {
                    String line = host.next();
                    if (line.startsWith("ACK ")) {
                        acknowledged.add(line.substring(4));
                    }
                }
                List<Long> frozen = freeze(host.pid(), journal); // the moment of the power cut
                for (String line = host.poll(200); line != null; line = host.poll(200)) {
                    if (line.startsWith("ACK ")) {
                        acknowledged.add(line.substring(4)); // printed before the freeze
                    }
                }
                disk.imageAsAPowerCutLeavesIt(afterImage);
                for (long pid : frozen) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
                host.kill();
            } finally {
                Leftovers.killAll(journal);
            }
        }
        assertTrue(acknowledged.size() > 10, "too few submissions before the power cut to tell anything: " + acknowledged.size());
        try (LoopDisk after = LoopDisk.attach(afterImage, tmp.resolve("after"), "data=ordered")) {
            Path journal = after.dir().resolve("journal");
            Set<String> present = new HashSet<>();
            try (MultiprocessDistributor d = Hosts.open(journal, 2)) { // never refused
                present.addAll(Hosts.jdbi(d).withHandle(h -> h.createQuery("SELECT task_id FROM task")
                        .mapTo(String.class).list()));
                d.engine().journal().repairAtOpen().ifPresent(r -> System.out.println("PowerCutTest repair: " + r.kind()
                        + "\n" + r.details()));
            } finally {
                Leftovers.killAll(journal);
            }
            Set<String> missing = new HashSet<>(acknowledged);
            missing.removeAll(present);
            return new Outcome(acknowledged, missing);
        }
    }

    /** Stops the host and every process of its journal (SIGSTOP): nothing they do reaches the disk from now on. */
    private static List<Long> freeze(long hostPid, Path journal) throws Exception {
        List<Long> pids = new ArrayList<>(List.of(hostPid));
        for (String p : Leftovers.of(journal)) {
            pids.add(Long.parseLong(p.substring(0, p.indexOf(':'))));
        }
        List<String> cmd = new ArrayList<>(List.of("kill", "-STOP"));
        pids.forEach(p -> cmd.add(Long.toString(p)));
        new ProcessBuilder(cmd).start().waitFor(10, TimeUnit.SECONDS);
        return pids;
    }
}
