package dev.multiproc.cli;

import dev.multiproc.config.Durations;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code multiproc console}: a read-only SQL console on the journal in the browser, for the journal's owner, until Ctrl-C. */
@Command(name = "console", mixinStandardHelpOptions = true,
        description = {"Serves a read-only SQL console on the journal at 127.0.0.1 and a free port, and prints the address "
                + "to open: it holds a fresh secret token, which is also in a file readable only by you in the journal "
                + "directory while the console runs. Requests without the token are refused. Runs until Ctrl-C; nothing "
                + "listens unless you start this."},
        footer = {"", "Example:", "  multiproc console"})
final class ConsoleCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--for", paramLabel = "DURATION", hidden = true, description = "Stop after DURATION (for tests).")
    String forDuration;

    @Override
    public Integer call() throws Exception {
        common.init();
        long stopAfterMillis = forDuration == null ? Long.MAX_VALUE : Durations.parse("--for", forDuration).toMillis();
        JournalAccess access = JournalAccess.of(common, spec.commandLine().getErr());
        access.reader().close(); // the journal answers now: a reason why it does not belongs here, not at the first query
        ConsoleServer console = ConsoleServer.start(access);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread stop = new Thread(() -> {
            console.close();
            stopped.countDown();
        }, "multiproc-console-stop");
        Runtime.getRuntime().addShutdownHook(stop); // Ctrl-C, SIGTERM: stop listening, remove the token file
        try {
            PrintWriter out = spec.commandLine().getOut();
            out.println("multiproc console: read-only SQL on the journal " + access.directory().root() + ", on 127.0.0.1 only.");
            out.println("Open this address; its token is the key, keep it to yourself:");
            out.println("  " + console.url());
            out.println("(also in " + console.tokenFile() + ", readable only by you, until the console stops)");
            out.println("Ctrl-C to stop.");
            out.flush();
            if (!stopped.await(stopAfterMillis, TimeUnit.MILLISECONDS)) {
                removeHook(stop);
            }
        } finally {
            console.close();
        }
        return 0;
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is stopping already: the hook closes the console
        }
    }
}
