package dev.multiproc.state;

import dev.multiproc.core.EndCause;
import dev.multiproc.proc.ProcessIdentity;
import java.util.Optional;

/**
 * The {@code key=value} words of a task record (a launcher's event, or the lines of a state file), read
 * in place: numbers are parsed where they stand, so a launcher's event costs no map and no substrings
 * (every task ends with one). A later word for a key replaces an earlier one; unknown keys are skipped.
 */
final class RecordWords {
    private static final String[] NUMBERS = {"pid", "start", "t0", "t1", "exit", "sig", "errno", "term", "utime_us", "stime_us",
            "maxrss_kb", "peak_kb", "limit"};
    private static final int PID = 0;
    private static final int START = 1;
    private static final int T0 = 2;
    private static final int T1 = 3;
    private static final int EXIT = 4;
    private static final String[] TEXTS = {"cause", "stage", "launcher"};
    private static final int CAUSE = 0;
    private static final int STAGE = 1;
    private static final int LAUNCHER = 2;
    private static final EndCause[] CAUSES = EndCause.values();

    private final long[] numbers = new long[NUMBERS.length];
    /** Bit i: NUMBERS[i] was given; in {@link #invalid}: its last value is not a number. */
    private int present;
    private int invalid;
    private final String[] texts = new String[TEXTS.length];

    /** Reads the words of {@code line} from {@code from} on. */
    void read(String line, int from) {
        int i = from;
        int n = line.length();
        while (i < n) {
            while (i < n && Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            int start = i;
            int eq = -1;
            while (i < n && !Character.isWhitespace(line.charAt(i))) {
                if (eq < 0 && line.charAt(i) == '=') {
                    eq = i;
                }
                i++;
            }
            if (eq > start) {
                word(line, start, eq, i);
            }
        }
    }

    private void word(String line, int start, int eq, int end) {
        int keyLength = eq - start;
        for (int k = 0; k < NUMBERS.length; k++) {
            if (NUMBERS[k].length() == keyLength && line.startsWith(NUMBERS[k], start)) {
                present |= 1 << k;
                try {
                    numbers[k] = Long.parseLong(line, eq + 1, end, 10);
                    invalid &= ~(1 << k);
                } catch (NumberFormatException e) {
                    invalid |= 1 << k;
                }
                return;
            }
        }
        for (int k = 0; k < TEXTS.length; k++) {
            if (TEXTS[k].length() == keyLength && line.startsWith(TEXTS[k], start)) {
                texts[k] = k == STAGE && end - eq == 2 && line.charAt(eq + 1) == '-' ? "-" : line.substring(eq + 1, end);
                return;
            }
        }
    }

    /** The record the words describe; empty without a pid and a start, or with a value that is not one. */
    Optional<TaskRecord> record() {
        if (!has(PID) || !has(START) || invalid != 0) {
            return Optional.empty();
        }
        try {
            TaskRecord.Result result = null;
            if (has(EXIT)) {
                result = new TaskRecord.Result(num(T1), (int) num(EXIT), (int) num(5), cause(texts[CAUSE]), (int) num(6),
                        texts[STAGE] == null ? "-" : texts[STAGE], (int) num(7), num(8), num(9), num(10), num(11), num(12));
            }
            ProcessIdentity launcher = null;
            String l = texts[LAUNCHER];
            if (l != null && l.indexOf(':') > 0) {
                int colon = l.indexOf(':');
                launcher = new ProcessIdentity(Long.parseLong(l, 0, colon, 10), Long.parseLong(l, colon + 1, l.length(), 10));
            }
            return Optional.of(new TaskRecord(num(PID), num(START), num(T0), launcher, result));
        } catch (IllegalArgumentException e) { // a launcher identity or a cause that is not one
            return Optional.empty();
        }
    }

    private boolean has(int k) {
        return (present & (1 << k)) != 0;
    }

    private long num(int k) {
        return has(k) ? numbers[k] : 0;
    }

    private static EndCause cause(String value) {
        if (value == null) {
            return EndCause.EXIT;
        }
        for (EndCause c : CAUSES) {
            if (c.value().equals(value)) {
                return c;
            }
        }
        return EndCause.of(value); // says what is wrong with it
    }
}
