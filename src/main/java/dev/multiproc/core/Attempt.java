package dev.multiproc.core;

import dev.multiproc.state.StateFile;
import dev.multiproc.state.StateFiles;
import dev.multiproc.state.TaskRecord;
import java.util.Optional;

/** What a task attempt's state file and processes say about it, when no launcher event will. */
record Attempt(Fate fate, TaskRecord record) {

    enum Fate {
        /** No file: it never started under this attempt. */
        ABSENT,
        /** Claimed by recovery: it never started, and never will under this attempt. */
        CLAIMED,
        /** Its file is being created: the command has not started yet. */
        STARTING,
        /** The command runs. */
        RUNNING,
        /** The command's process is gone and its launcher, still alive, is about to record how it ended. */
        ENDING,
        /** The command ended; the result is recorded. */
        FINISHED,
        /** The command's process is gone and so is its launcher: nobody recorded how it ended. */
        LOST
    }

    static Attempt inspect(StateFiles files, String taskId, int attempt) {
        StateFile file = files.read(taskId, attempt);
        switch (file.status()) {
            case ABSENT:
                return new Attempt(Fate.ABSENT, null);
            case CLAIMED:
                return new Attempt(Fate.CLAIMED, null);
            case STARTING:
                return new Attempt(Fate.STARTING, null);
            case FINISHED:
                return new Attempt(Fate.FINISHED, file.record());
            default:
                break;
        }
        TaskRecord started = file.record();
        if (started.identity().isAlive()) {
            return new Attempt(Fate.RUNNING, started);
        }
        // the process is gone: its launcher records the result right after it reaps it
        Optional<Attempt> finished = finishedNow(files, taskId, attempt);
        if (finished.isPresent()) {
            return finished.get();
        }
        if (started.launcher() != null && started.launcher().isAlive()) {
            return new Attempt(Fate.ENDING, started);
        }
        return finishedNow(files, taskId, attempt).orElse(new Attempt(Fate.LOST, started));
    }

    private static Optional<Attempt> finishedNow(StateFiles files, String taskId, int attempt) {
        StateFile again = files.read(taskId, attempt);
        return again.status() == StateFile.Status.FINISHED ? Optional.of(new Attempt(Fate.FINISHED, again.record())) : Optional.empty();
    }
}
