package dev.multiproc.testing;

import dev.multiproc.proc.ProcStat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds live processes that belong to a journal: the launchers and every task process
 * carry {@code MULTIPROC_JOURNAL=<dir>} in their environment. Zombies are not live: their parent
 * (here often pid 1, which does not reap) is the only one who has not noticed their end.
 */
public final class Leftovers {
    private Leftovers() {
    }

    /** After a test: waits up to 30 s for the processes of {@code journalDir} to end, kills what is left, and fails naming it. */
    public static void assertNoneLeft(Path journalDir, String what) throws InterruptedException {
        List<String> left = awaitNone(journalDir, 30_000);
        killAll(journalDir);
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), left, what);
    }

    public static List<String> of(Path journalDir) {
        String marker = "MULTIPROC_JOURNAL=" + journalDir.toAbsolutePath().normalize();
        List<String> found = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : procs) {
                long pid = Long.parseLong(p.getFileName().toString());
                if (pid == self) {
                    continue;
                }
                try {
                    byte[] env = Files.readAllBytes(p.resolve("environ"));
                    for (String var : new String(env, StandardCharsets.UTF_8).split("\0")) {
                        if (var.equals(marker)) {
                            if (ProcStat.read(pid).map(ProcStat::isLive).orElse(false)) {
                                String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                                found.add(pid + ": " + cmd.trim());
                            }
                            break;
                        }
                    }
                } catch (IOException e) {
                    // the process ended while we looked
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return found;
    }

    /** Waits up to {@code millis} for every process of the journal to end; returns those still alive. */
    public static List<String> awaitNone(Path journalDir, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        List<String> left = of(journalDir);
        while (!left.isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
            left = of(journalDir);
        }
        return left;
    }

    /** Like {@link #awaitNone} but ignores this JVM's own children: the launcher of a distributor still open. */
    public static List<String> awaitNoneButOurLauncher(Path journalDir, long millis) throws InterruptedException {
        long self = ProcessHandle.current().pid();
        long deadline = System.currentTimeMillis() + millis;
        while (true) {
            List<String> left = of(journalDir).stream().filter(p -> ProcStat.read(Long.parseLong(p.substring(0, p.indexOf(':'))))
                    .map(s -> s.ppid() != self).orElse(false)).toList();
            if (left.isEmpty() || System.currentTimeMillis() >= deadline) {
                return left;
            }
            Thread.sleep(50);
        }
    }

    /** Kills every live process of the journal (cleanup after a test that crashed a host on purpose). */
    public static void killAll(Path journalDir) {
        for (String line : of(journalDir)) {
            long pid = Long.parseLong(line.substring(0, line.indexOf(':')));
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
