package dev.multiproc.core;

import java.util.Collection;
import java.util.Optional;

/**
 * What starts, follows and stops a host's tasks: the local launcher today ({@link LocalBackend}), a
 * cluster scheduler next. What every backend shares is the host's: the ids, the journal, the
 * {@link ActiveTasks} it takes tasks from and whose lock it holds, and the {@link TaskEvents} through
 * which it reports every start and end. A backend is driven by one {@link Engine}.
 */
interface Backend extends AutoCloseable {
    /**
     * Refuses, at submit and before anything is journaled, a job this backend could never run (an
     * {@link IllegalArgumentException} naming what and why); the local backend takes every valid job.
     */
    default void check(JobSpec spec) {
    }

    /** Starts dispatching queued tasks. */
    void start();

    /** Tasks were queued (or requeued by recovery): dispatch what fits. */
    void dispatch();

    /** Recovery hands over a task that outlived the previous host, registered, to follow to its end. */
    void adopt(RunningTask rt);

    /**
     * After recovery: takes over what outlived the previous host (its launchers, say), and ends the adopted
     * tasks recovery asked to end.
     */
    void reconnect();

    /** Terminates running tasks with their process trees and drops queued ones. */
    void terminate(Collection<String> ids, Outcomes.TerminateReason reason);

    /** Stops dispatching, drops the queue and terminates every task, waiting for their ends. */
    void stop();

    /** Stops dispatching and lets go of every task without ending any (see {@link Engine#detach()}). */
    void detach();

    /** Whether queued tasks are being dispatched. */
    boolean isDispatching();

    /** Why dispatch is paused (tasks cannot start for want of a resource), while it is. */
    Optional<String> pauseReason();

    /** How many log directories the backend remembers having made (see {@link Engine#footprint()}). */
    int rememberedLogDirectories();

    @Override
    void close();
}
