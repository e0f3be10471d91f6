package dev.multiproc.core;

import dev.multiproc.journal.PeriodicTask;
import dev.multiproc.journal.TaskJournal;
import dev.multiproc.journal.TaskRequestRow;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What other processes ask of a host: they reach a held journal through its server only, and leave their
 * requests (terminate a task) in {@code task_request}, handled here a few times a second, off the hot path.
 */
final class TaskRequests {
    private static final Logger log = LoggerFactory.getLogger(TaskRequests.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private TaskRequests() {
    }

    /** Handles the open requests now and every {@link #POLL} until the returned task is closed. */
    static PeriodicTask poll(TaskJournal journal, ActiveTasks active, Backend backend) {
        return new PeriodicTask("multiproc-requests", POLL, () -> {
            for (TaskRequestRow r : journal.openRequests()) {
                journal.requestHandled(r.requestId(), System.currentTimeMillis(), handle(r, active, backend));
            }
        });
    }

    private static String handle(TaskRequestRow r, ActiveTasks active, Backend backend) {
        if (!"terminate".equals(r.kind())) {
            return "unknown request kind " + r.kind();
        }
        if (active.active(List.of(r.taskId())).isEmpty()) {
            return "not queued or running";
        }
        log.info("terminating task {} at the request of {}", r.taskId(), r.requestedBy());
        backend.terminate(List.of(r.taskId()), Outcomes.TerminateReason.REQUEST);
        return "terminated";
    }
}
