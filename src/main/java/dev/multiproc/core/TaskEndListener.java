package dev.multiproc.core;

/** Told of every task end as it happens, on the thread that saw it; must be quick and must not call back into the distributor. */
@FunctionalInterface
public interface TaskEndListener {
    void ended(String taskId, Outcome outcome);
}
