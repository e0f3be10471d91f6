package dev.multiproc.state;

import dev.multiproc.proc.ProcessIdentity;

import dev.multiproc.core.EndCause;
import java.util.Optional;

/**
 * A task attempt as its state file or its launcher describes it: the task process's identity from the
 * moment it started, the identity of the launcher that supervises it, and the result once the command
 * ended. See {@code mpagent.h}.
 */
public record TaskRecord(long pid, long startTicks, long t0Ms, ProcessIdentity launcher, Result result) {

    /** How the command ended, as its launcher saw it. */
    public record Result(long t1Ms, int exitCode, int signal, EndCause cause, int errno, String stage, int termSignal, long utimeUs,
            long stimeUs, long maxRssKb, long peakKb, long limit) {

        public long cpuMs() {
            return (utimeUs + stimeUs) / 1000;
        }

        public boolean isSpawnError() {
            return cause == EndCause.SPAWN_ERROR;
        }
    }

    public boolean isFinished() {
        return result != null;
    }

    public ProcessIdentity identity() {
        return new ProcessIdentity(pid, startTicks);
    }

    /** Parses the words of one line (a launcher event, or the lines of a state file run together). */
    public static Optional<TaskRecord> parse(String line) {
        return parse(line, 0);
    }

    /** Parses the words of {@code line} from {@code from} on (a launcher's event line: the words after its fields);
     * empty without a pid and a start ({@code -} says there is no record). */
    public static Optional<TaskRecord> parse(String line, int from) {
        if (line == null || from >= line.length()) {
            return Optional.empty();
        }
        RecordWords words = new RecordWords();
        words.read(line, from);
        return words.record();
    }
}
