package dev.multiproc.cli.bench;

import dev.multiproc.journal.HostLock;
import dev.multiproc.journal.JournalDirectory;
import dev.multiproc.journal.JournalServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A journal that a running host holds and serves, for the start-up bench's {@code status}: a command-line {@code run}
 * of one task that waits for a file to go. Closing removes the file: the task ends, and the run with it, leaving
 * nothing behind.
 */
record HeldJournal(Path journal, Path hold, Process host) implements AutoCloseable {
    private static final long READY_WITHIN_MS = 120_000;

    /** Starts the host through {@code launcher} in {@code work}, and returns once it serves its journal. */
    static HeldJournal start(List<String> launcher, Path work) throws IOException, InterruptedException {
        Path journal = work.resolve("startup-held-journal");
        Path hold = Files.writeString(work.resolve("startup-hold"), "");
        Path task = Files.writeString(work.resolve("hold.txt"), "while [ -e '" + hold + "' ]; do sleep 0.1; done\n");
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of("run", "--no-progress", "--journal", journal.toString(), task.toString()));
        Process host = new ProcessBuilder(command).directory(work.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        HeldJournal held = new HeldJournal(journal, hold, host);
        try {
            held.awaitServed();
        } catch (InterruptedException | RuntimeException e) {
            held.close();
            throw e;
        }
        return held;
    }

    private void awaitServed() throws InterruptedException {
        long deadline = System.currentTimeMillis() + READY_WITHIN_MS;
        while (!served()) {
            if (!host.isAlive()) {
                throw new IllegalStateException("start-up bench: the host holding " + journal + " exited (" + host.exitValue() + ")");
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("start-up bench: the host holding " + journal + " did not serve it within "
                        + READY_WITHIN_MS / 1000 + " s");
            }
            Thread.sleep(50);
        }
    }

    private boolean served() {
        if (!Files.isDirectory(journal)) {
            return false;
        }
        JournalDirectory dir = JournalDirectory.existing(journal);
        Optional<Long> holder = HostLock.holder(dir).flatMap(HostLock.Holder::pid);
        return holder.isPresent() && JournalServer.publisher(dir).equals(java.util.OptionalLong.of(holder.get()))
                && holder.get() == host.pid();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Files.deleteIfExists(hold);
        if (!host.waitFor(60, TimeUnit.SECONDS)) {
            host.destroyForcibly();
            throw new IllegalStateException("start-up bench: the host holding " + journal + " did not end within 60 s of its task");
        }
    }
}
