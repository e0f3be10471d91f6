package dev.multiproc.launcher;

import dev.multiproc.state.TaskRecord;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands one event line of a launcher (S, X, E, D; see {@code mpagent.h}) to {@link Launcher.Events}. Its
 * fields are read where they stand: every task sends two of these lines.
 */
final class EventLines {
    private static final Logger log = LoggerFactory.getLogger(EventLines.class);

    private EventLines() {
    }

    /** Returns the key the event is about, or null for a line that names none. */
    static String dispatch(String line, Launcher.Events listener) {
        if (line.length() < 3 || line.charAt(1) != ' ' || "SXED".indexOf(line.charAt(0)) < 0) {
            log.warn("unknown launcher event: {}", line);
            return null;
        }
        Fields f = new Fields(line);
        String key = f.next();
        switch (line.charAt(0)) {
            case 'S' -> listener.started(key, f.nextLong(), f.nextLong());
            case 'X' -> {
                long pid = f.nextLong();
                int status = (int) f.nextLong();
                listener.exited(key, pid, status, f.hasMore() ? TaskRecord.parse(line, f.at) : Optional.empty());
            }
            case 'E' -> {
                int errno = (int) f.nextLong();
                String message = f.hasMore() ? line.substring(f.at) : "";
                if (key.equals("?")) {
                    log.warn("the launcher refused a request: {}", message);
                }
                listener.failed(key, errno, message);
            }
            default -> listener.dropped(key);
        }
        return key;
    }

    /** The space-separated fields after an event's letter. */
    private static final class Fields {
        private final String line;
        private int at = 2;

        Fields(String line) {
            this.line = line;
        }

        boolean hasMore() {
            return at < line.length();
        }

        private int end() {
            int space = line.indexOf(' ', at);
            return space < 0 ? line.length() : space;
        }

        private void skip(int end) {
            at = Math.min(line.length(), end + 1);
        }

        String next() {
            int end = end();
            String s = line.substring(at, end);
            skip(end);
            return s;
        }

        long nextLong() {
            int end = end();
            if (end == at) {
                throw new NumberFormatException("a field is missing in launcher event '" + line + "'");
            }
            long v = Long.parseLong(line, at, end, 10);
            skip(end);
            return v;
        }
    }
}
