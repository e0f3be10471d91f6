package dev.multiproc.cli;

import dev.multiproc.journal.H2Settings;
import java.io.PrintWriter;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.h2.engine.SysProperties;
import org.h2.server.web.WebServer;
import org.h2.tools.Server;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code multiproc console}: H2's web console on the journal, on loopback, until Ctrl-C. */
@Command(name = "console", mixinStandardHelpOptions = true,
        description = {"Opens H2's web console on the journal, read-only, on 127.0.0.1 and a free port; prints its address and the "
                + "credentials. Runs until Ctrl-C. Nothing listens unless you start this."},
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
        H2Settings.bindServersToLoopback();
        if (!"127.0.0.1".equals(SysProperties.BIND_ADDRESS)) {
            throw new IllegalStateException("refusing to start the console: H2 would listen on " + SysProperties.BIND_ADDRESS
                    + ", not on 127.0.0.1 only");
        }
        JournalAccess access = JournalAccess.of(common.journalDir(), spec.commandLine().getErr());
        // no file URL to paste: a SQL client on the file would lock it, and keep a host from starting
        String jdbcUrl = access.serverUrlIfHeld().orElse("(none while no host serves the journal; this console reads a copy of it)");
        // -properties null: ignore ~/.h2.server.properties, which could allow remote connections
        Server server = Server.createWebServer("-webPort", "0", "-properties", "null").start();
        try (Connection c = access.followingReader()) {
            WebServer web = (WebServer) server.getService();
            String session = web.addSession(c);
            int port = server.getPort();
            String signedIn = session.replaceFirst("^http://[^/]+", "http://127.0.0.1:" + port);
            PrintWriter out = spec.commandLine().getOut();
            out.println("H2 console for " + access.directory().root() + " (read-only), listening on 127.0.0.1 only:");
            out.println("  url:      http://127.0.0.1:" + port + "/");
            out.println("  signed in already: " + signedIn);
            out.println("  JDBC URL: " + jdbcUrl);
            out.println("  user:     READER");
            out.println("  password: " + access.readerPassword());
            out.println("Ctrl-C to stop.");
            out.flush();
            if (forDuration != null) {
                Thread.sleep(dev.multiproc.config.Durations.parse("--for", forDuration).toMillis());
            } else {
                Thread.sleep(Duration.ofDays(3650).toMillis());
            }
        } finally {
            server.stop();
        }
        return 0;
    }
}
