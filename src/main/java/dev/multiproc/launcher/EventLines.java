package dev.multiproc.launcher;

import dev.multiproc.state.TaskRecord;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Hands one event line of a launcher (S, X, E, D; see {@code mpagent.h}) to {@link Launcher.Events}. */
final class EventLines {
    private static final Logger log = LoggerFactory.getLogger(EventLines.class);

    private EventLines() {
    }

    /** Returns the key the event is about, or null for a line that names none. */
    static String dispatch(String line, Launcher.Events listener) {
        String[] f = line.split(" ", 5);
        switch (f[0]) {
            case "S" -> listener.started(f[1], Long.parseLong(f[2]), Long.parseLong(f[3]));
            case "X" -> listener.exited(f[1], Long.parseLong(f[2]), Integer.parseInt(f[3]),
                    f.length > 4 ? TaskRecord.parse(f[4]) : Optional.empty());
            case "E" -> {
                String message = f.length > 3 ? line.split(" ", 4)[3] : "";
                if (f[1].equals("?")) {
                    log.warn("the launcher refused a request: {}", message);
                }
                listener.failed(f[1], Integer.parseInt(f[2]), message);
            }
            case "D" -> listener.dropped(f[1]);
            default -> {
                log.warn("unknown launcher event: {}", line);
                return null;
            }
        }
        return f[1];
    }
}
