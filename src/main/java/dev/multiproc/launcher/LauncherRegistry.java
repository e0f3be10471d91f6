package dev.multiproc.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The descriptions launchers leave in their state directory, {@code launcher.<pid>} holding
 * {@code pid=P start=TICKS version=V socket=PATH end}: how a later host finds the launchers that
 * outlived their hosts. A launcher removes its own at exit; one killed with SIGKILL leaves it behind.
 */
public final class LauncherRegistry {
    private static final Pattern NAME = Pattern.compile("launcher\\.(\\d+)");
    private static final Pattern LINE = Pattern.compile("pid=(\\d+) start=(\\d+) version=(\\d+) socket=(.+) end\n?");

    private LauncherRegistry() {
    }

    /** Where the launcher with this pid listens. */
    public static Path socketOf(Path stateDir, long pid) {
        return stateDir.resolve("launcher." + pid + ".sock");
    }

    /** The live launchers described in {@code stateDir}: same pid and same start time as when they wrote it. */
    public static List<SurvivingLauncher> findSurvivors(Path stateDir) {
        List<SurvivingLauncher> live = new ArrayList<>();
        for (SurvivingLauncher l : described(stateDir)) {
            if (l.identity().isAlive()) {
                live.add(l);
            }
        }
        return live;
    }

    /** Removes the descriptions (and sockets) of launchers that are gone; returns how many. */
    public static int removeDead(Path stateDir) {
        int removed = 0;
        for (SurvivingLauncher l : described(stateDir)) {
            if (!l.identity().isAlive()) {
                try {
                    Files.deleteIfExists(socketOf(stateDir, l.pid()));
                    Files.deleteIfExists(stateDir.resolve("launcher." + l.pid()));
                    removed++;
                } catch (IOException e) {
                    // left for the next look: a stale description is recognised as dead every time
                }
            }
        }
        return removed;
    }

    /** Every description in {@code stateDir}, alive or not; unreadable or partial ones are skipped. */
    static List<SurvivingLauncher> described(Path stateDir) {
        List<SurvivingLauncher> found = new ArrayList<>();
        if (!Files.isDirectory(stateDir)) {
            return found;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(stateDir, p -> NAME.matcher(p.getFileName().toString()).matches())) {
            for (Path file : files) {
                read(file).ifPresent(found::add);
            }
        } catch (IOException e) {
            // an unreadable directory describes no launcher
        }
        return found;
    }

    static Optional<SurvivingLauncher> read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return Optional.empty();
        }
        Matcher m = LINE.matcher(text);
        Matcher name = NAME.matcher(file.getFileName().toString());
        if (!m.matches() || !name.matches() || !name.group(1).equals(m.group(1))) {
            return Optional.empty();
        }
        try {
            Path socket = m.group(4).equals("-") ? null : Path.of(m.group(4));
            return Optional.of(new SurvivingLauncher(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Integer.parseInt(m.group(3)),
                    socket));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
