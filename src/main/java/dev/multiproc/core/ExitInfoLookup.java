package dev.multiproc.core;

import dev.multiproc.cluster.RemoteExitInfo;
import dev.multiproc.cluster.RemoteExitInfoNotAvailableException;
import dev.multiproc.cluster.TaskInstanceStatus;
import dev.multiproc.journal.ExitInfoRow;
import dev.multiproc.journal.TaskJournal;
import dev.multiproc.journal.TaskOutcomeRow;
import java.util.List;
import java.util.Optional;

/** The protocol's exit information of one task: from the recent answers in memory, else the journal's bounded table, else its history. */
final class ExitInfoLookup {
    private final ActiveTasks active;
    private final ExitInfoCache recent;
    private final TaskJournal journal;

    ExitInfoLookup(ActiveTasks active, ExitInfoCache recent, TaskJournal journal) {
        this.active = active;
        this.recent = recent;
        this.journal = journal;
    }

    RemoteExitInfo of(String id) throws RemoteExitInfoNotAvailableException {
        if (id == null) {
            throw new IllegalArgumentException("distributorId must not be null");
        }
        if (TaskId.parse(id).isEmpty()) {
            throw new RemoteExitInfoNotAvailableException("remote exit info not available: '" + id + "' is not a distributor id");
        }
        if (!active.active(List.of(id)).isEmpty()) {
            throw new RemoteExitInfoNotAvailableException("remote exit info not available: task " + id + " has not finished");
        }
        Optional<RemoteExitInfo> cached = recent.find(id);
        if (cached.isPresent()) {
            return cached.get();
        }
        Optional<ExitInfoRow> row = journal.exitInfo(id);
        if (row.isPresent()) {
            return new RemoteExitInfo(TaskInstanceStatus.fromCode(row.get().statusCode()), row.get().message());
        }
        Optional<TaskOutcomeRow> history = journal.outcome(id);
        if (history.isPresent() && history.get().statusCode() != null) {
            return new RemoteExitInfo(TaskInstanceStatus.fromCode(history.get().statusCode()), history.get().message());
        }
        throw new RemoteExitInfoNotAvailableException("remote exit info not available: "
                + (history.isPresent() ? "task " + id + " has not finished" : "no task " + id + " in this journal"));
    }
}
