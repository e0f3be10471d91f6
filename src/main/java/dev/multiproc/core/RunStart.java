package dev.multiproc.core;

import java.util.List;

/**
 * A run of the command line as it starts: new, resumed after a crash or a Ctrl-C, or already complete.
 *
 * @param runId       the run's id in the journal
 * @param resumed     the run existed: only what was left (or, with retry, what failed) runs now
 * @param waitFor     the tasks this invocation waits for: those submitted now and those still queued or running
 * @param submitted   how many commands were submitted now
 * @param alreadyDone how many commands had already ended well
 * @param alreadyFailed how many commands had already ended badly (and were not retried)
 */
public record RunStart(long runId, boolean resumed, List<String> waitFor, int submitted, int alreadyDone, int alreadyFailed) {
}
