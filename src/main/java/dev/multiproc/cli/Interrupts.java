package dev.multiproc.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * What to do about Ctrl-C during a run. The first asks, at a terminal, whether to leave the running
 * tasks running (the next run reattaches them) or to kill them; a second Ctrl-C kills. Without a
 * terminal a second SIGINT within a second kills, and otherwise the tasks are left running, so nothing
 * is lost; SIGTERM leaves them running too.
 */
final class Interrupts {
    enum Choice { NONE, LEAVE, KILL }

    private final AtomicInteger interrupts = new AtomicInteger();
    private final AtomicReference<Choice> answer = new AtomicReference<>(Choice.NONE);
    private final Console console = System.console();
    private SignalHandler previousInt;
    private SignalHandler previousTerm;
    private boolean asked;
    private long firstAt;

    static Interrupts install() {
        Interrupts i = new Interrupts();
        i.previousInt = Signal.handle(new Signal("INT"), sig -> i.interrupts.incrementAndGet());
        i.previousTerm = Signal.handle(new Signal("TERM"), sig -> i.answer.compareAndSet(Choice.NONE, Choice.LEAVE));
        return i;
    }

    /** The decision so far; asks the question the first time it is needed. */
    Choice poll(Progress progress, PrintWriter err) {
        int n = interrupts.get();
        if (n >= 2) {
            return Choice.KILL;
        }
        if (answer.get() != Choice.NONE) {
            return answer.get();
        }
        if (n == 1 && console == null) {
            if (firstAt == 0) {
                firstAt = System.nanoTime();
                progress.pause();
                err.println("multiproc: interrupted; a second SIGINT within a second kills the running tasks, else they are left running");
                err.flush();
            }
            return System.nanoTime() - firstAt > 1_000_000_000L ? Choice.LEAVE : Choice.NONE;
        }
        if (n == 1 && !asked) {
            asked = true;
            progress.pause();
            Thread question = new Thread(() -> {
                String reply = console.readLine("%nmultiproc: leave the running tasks running (the next `multiproc run` reattaches them) "
                        + "or kill them? [L/k] (Ctrl-C again kills) ");
                answer.compareAndSet(Choice.NONE, reply != null && reply.trim().toLowerCase().startsWith("k") ? Choice.KILL : Choice.LEAVE);
            }, "multiproc-question");
            question.setDaemon(true);
            question.start();
        }
        return Choice.NONE;
    }

    void uninstall() {
        if (previousInt != null) {
            Signal.handle(new Signal("INT"), previousInt);
        }
        if (previousTerm != null) {
            Signal.handle(new Signal("TERM"), previousTerm);
        }
    }
}
