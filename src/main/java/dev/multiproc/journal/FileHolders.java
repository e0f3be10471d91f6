package dev.multiproc.journal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The processes that have a file open, found through {@code /proc/PID/fd}: when H2 finds the journal
 * file locked (its error 90020), this names the holder, so that a person knows what to close. Only
 * the processes this user may inspect are seen (all of them for root).
 */
public final class FileHolders {
    private static final int MAX_COMMAND_LINE = 200;

    private FileHolders() {
    }

    /** "pid N (command line)" for every other process that has {@code file} open. */
    public static List<String> of(Path file) {
        Path target;
        try {
            target = file.toRealPath();
        } catch (IOException e) {
            return List.of();
        }
        long self = ProcessHandle.current().pid();
        List<String> holders = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path proc : procs) {
                long pid = Long.parseLong(proc.getFileName().toString());
                if (pid != self && hasOpen(proc, target)) { // the caller, which H2 just refused, is not a holder
                    holders.add("pid " + pid + " (" + commandLine(proc) + ")");
                }
            }
        } catch (IOException e) {
            return holders;
        }
        return holders;
    }

    /**
     * The one-line error for a journal file that H2 reports locked: who holds it and what to do.
     * {@code h2Message} is H2's own words, kept at the end for the record.
     */
    public static String lockedMessage(Path file, String h2Message) {
        List<String> holders = of(file);
        String who = holders.isEmpty()
                ? "by a process this user cannot see (as root, `fuser -v " + file + "` names it)"
                : "by " + String.join(", ", holders);
        return "the journal database " + file + " is open " + who + ", and H2 lets only one process open it while a host writes it. "
                + "multiproc's own readers (status, sql, console) never hold it; close that program (a SQL client or an older "
                + "multiproc opened the file), then start again (H2: " + firstLine(h2Message) + ")";
    }

    private static boolean hasOpen(Path proc, Path target) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).equals(target)) {
                        return true;
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException | SecurityException e) {
            // ended meanwhile, or not ours to inspect
        }
        return false;
    }

    /** The command line, without a Java class path (long, and not what names a program) or a password's value. */
    private static String commandLine(Path proc) {
        String[] args;
        try {
            args = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8).split("\0");
        } catch (IOException e) {
            return "command line unknown";
        }
        StringBuilder cmd = new StringBuilder();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (i > 0 && (args[i - 1].matches("-cp|-classpath|--class-path") || args[i - 1].toLowerCase(Locale.ROOT).contains("password"))) {
                arg = "...";
            }
            cmd.append(cmd.length() == 0 ? "" : " ").append(arg);
        }
        return cmd.length() > MAX_COMMAND_LINE ? cmd.substring(0, MAX_COMMAND_LINE) + "..." : cmd.toString();
    }

    private static String firstLine(String message) {
        String m = message == null ? "" : message;
        int nl = m.indexOf('\n');
        return (nl >= 0 ? m.substring(0, nl) : m).trim();
    }
}
