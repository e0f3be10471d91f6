package dev.multiproc.launcher;

import dev.multiproc.state.TaskRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The events of a launcher, kept for a test to look at. */
final class RecordedEvents implements Launcher.Events {
    record Exit(String key, long pid, int waitStatus, TaskRecord record, long atNanos) {
        TaskRecord.Result result() {
            return record.result();
        }
    }

    record Failure(String key, int errno, String message) {
    }

    final Map<String, Long> started = new ConcurrentHashMap<>();
    final Map<String, Exit> exits = new ConcurrentHashMap<>();
    final Map<String, String> reattached = new ConcurrentHashMap<>();
    private final List<Failure> failures = new ArrayList<>();
    private final List<String> dropped = new ArrayList<>();
    private final List<String> gone = new ArrayList<>();
    /** Every event in order: "S key", "X key", "T key", ... */
    private final List<String> order = new ArrayList<>();

    @Override
    public void started(String key, long pid, long startTicks) {
        started.put(key, pid);
        note("S " + key);
    }

    @Override
    public void exited(String key, long pid, int waitStatus, Optional<TaskRecord> record) {
        exits.put(key, new Exit(key, pid, waitStatus, record.orElse(null), System.nanoTime()));
        note("X " + key);
    }

    @Override
    public synchronized void failed(String key, int errno, String message) {
        failures.add(new Failure(key, errno, message));
        note("E " + key);
    }

    @Override
    public synchronized void dropped(String key) {
        dropped.add(key);
        note("D " + key);
    }

    @Override
    public synchronized void gone(String reason) {
        gone.add(reason);
        note("G " + reason);
    }

    @Override
    public void reattached(String key, long pid, long startTicks, String state) {
        reattached.put(key, state);
        note("T " + key + " " + state);
    }

    private synchronized void note(String event) {
        order.add(event);
    }

    synchronized List<Failure> failures() {
        return List.copyOf(failures);
    }

    synchronized List<String> gone() {
        return List.copyOf(gone);
    }

    synchronized List<String> order() {
        return List.copyOf(order);
    }
}
