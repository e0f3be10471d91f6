package dev.multiproc.proc;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The host's last resort against a task's processes, for when its launcher cannot end them (the
 * launcher was killed, or does not respond). A task's shell (the {@code /bin/sh -c} its launcher
 * started, whose identity its state file holds) leads a process session of its own, so the processes of a task
 * whose shell is gone are still found by their session id.
 */
public final class ProcessTrees {
    private ProcessTrees() {
    }

    /**
     * SIGKILLs the task's shell (if it is still the same process), its descendants, and its process session.
     * Returns how many were signalled.
     */
    public static int killTask(ProcessIdentity shell) {
        if (shell.pid() <= 1) {
            return 0; // no task's: session 0 holds the kernel's threads, and pid 1 is init
        }
        Set<ProcessHandle> targets = new LinkedHashSet<>();
        if (shell.isAlive()) {
            ProcessHandle.of(shell.pid()).ifPresent(h -> {
                targets.add(h);
                h.descendants().forEach(targets::add);
            });
        } else if (ProcStat.read(shell.pid()).map(ProcStat::isLive).orElse(false)) {
            // the pid belongs to another process now: Linux reuses a pid only once no process has it as
            // session id, so nothing of our task is left in that session, and what is there is not ours
            return 0;
        }
        for (long pid : sessionMembers(shell.pid())) {
            ProcessHandle.of(pid).ifPresent(targets::add);
        }
        for (ProcessHandle h : targets) {
            h.destroyForcibly();
        }
        return targets.size();
    }

    /** Live processes whose session id is {@code sid} (a task shell's pid), other than that process itself. */
    public static List<Long> sessionMembers(long sid) {
        List<Long> members = new ArrayList<>();
        if (sid <= 1) {
            return members;
        }
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> isNumeric(p.getFileName().toString()))) {
            for (Path p : procs) {
                long pid = Long.parseLong(p.getFileName().toString());
                if (pid == sid) {
                    continue;
                }
                ProcStat.read(pid).filter(s -> s.session() == sid && s.isLive()).ifPresent(s -> members.add(pid));
            }
        } catch (IOException e) {
            // without /proc there is nothing to find
        }
        return members;
    }

    private static boolean isNumeric(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
