package dev.multiproc.core;

import dev.multiproc.journal.JournalException;
import dev.multiproc.journal.TaskJournal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Queueing errors not yet popped by the host, in memory and in the journal. */
final class QueueingErrors {
    private static final Logger log = LoggerFactory.getLogger(QueueingErrors.class);

    private final TaskJournal journal;
    private final Map<String, String> unpopped = new LinkedHashMap<>();

    QueueingErrors(TaskJournal journal, Map<String, String> fromJournal) {
        this.journal = journal;
        this.unpopped.putAll(fromJournal);
    }

    synchronized void add(String taskId, String message) {
        unpopped.put(taskId, message);
    }

    synchronized int size() {
        return unpopped.size();
    }

    /** Returns the errors of {@code taskIds} and forgets them, in memory and (durably) in the journal. */
    Map<String, String> pop(List<String> taskIds) {
        Map<String, String> popped = new LinkedHashMap<>();
        synchronized (this) {
            for (String id : taskIds) {
                String message = unpopped.remove(id);
                if (message != null) {
                    popped.put(id, message);
                }
            }
        }
        if (!popped.isEmpty()) {
            List<String> ids = List.copyOf(popped.keySet());
            try {
                journal.popQueueingErrors(ids).join();
            } catch (CompletionException e) {
                // the host gets its errors now; after a crash it may see them once more
                log.warn("could not journal that queueing errors {} were popped: {}", ids,
                        e.getCause() instanceof JournalException je ? je.getMessage() : e.getCause());
            }
        }
        return popped;
    }
}
