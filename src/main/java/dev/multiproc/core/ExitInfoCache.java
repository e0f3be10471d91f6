package dev.multiproc.core;

import dev.multiproc.cluster.RemoteExitInfo;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exit information the host can ask for without reading the journal: every answer not yet committed,
 * and the most recent {@code limit} answers. Older answers come from the journal.
 */
final class ExitInfoCache {
    private final int limit;
    private final Map<String, RemoteExitInfo> uncommitted = new ConcurrentHashMap<>();
    private final LinkedHashMap<String, RemoteExitInfo> recent;

    ExitInfoCache(int limit) {
        this.limit = limit;
        this.recent = new LinkedHashMap<>(16, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, RemoteExitInfo> eldest) {
                return size() > ExitInfoCache.this.limit;
            }
        };
    }

    void ended(String taskId, RemoteExitInfo info) {
        uncommitted.put(taskId, info);
        synchronized (recent) {
            recent.put(taskId, info);
        }
    }

    void committed(String taskId) {
        uncommitted.remove(taskId);
    }

    /** Entries held: recent answers plus those not yet committed. */
    int size() {
        synchronized (recent) {
            return recent.size() + uncommitted.size();
        }
    }

    Optional<RemoteExitInfo> find(String taskId) {
        RemoteExitInfo info = uncommitted.get(taskId);
        if (info != null) {
            return Optional.of(info);
        }
        synchronized (recent) {
            return Optional.ofNullable(recent.get(taskId));
        }
    }
}
