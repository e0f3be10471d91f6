package dev.multiproc.journal;

import org.slf4j.LoggerFactory;

/** JVM-wide H2 settings that must be in place before H2 reads them, once, when it loads. */
public final class H2Settings {
    static final String BIND_ADDRESS = "h2.bindAddress";
    static final String LOOPBACK = "127.0.0.1";

    /**
     * H2's page cache, in KiB, named in the journal's URL. H2 sizes it by default at 64 MiB per GiB of the JVM's
     * maximum heap: 384 MiB under the JVM's defaults on a 24 GiB machine, which a service with a long history
     * fills, and keeps, whatever the collector does. A journal's hot pages (its unfinished tasks, the newest
     * ends) are a few MiB.
     */
    static final int CACHE_KIB = 16 * 1024;

    private H2Settings() {
    }

    /**
     * H2 has no per-server bind option: every server socket it opens listens where the system property
     * {@code h2.bindAddress} says, on all interfaces when it is unset. Loopback unless the embedding
     * program chose otherwise; a journal server refuses to start on anything but loopback.
     */
    public static void bindServersToLoopback() {
        if (System.getProperty(BIND_ADDRESS) == null) {
            System.setProperty(BIND_ADDRESS, LOOPBACK);
        } else if (!LOOPBACK.equals(System.getProperty(BIND_ADDRESS))) {
            // the logger is looked up here, not at class load: the command line sets its level first
            LoggerFactory.getLogger(H2Settings.class).warn("h2.bindAddress is {}: multiproc will not start a journal server on it",
                    System.getProperty(BIND_ADDRESS));
        }
    }

    /** Whether H2 servers in this JVM listen on loopback only. */
    public static boolean serversBoundToLoopback() {
        return LOOPBACK.equals(System.getProperty(BIND_ADDRESS));
    }

    /**
     * A connection to the H2 database at {@code url}, from H2's driver itself: {@code DriverManager} would first load
     * every driver on the class path, PostgreSQL's and its logging with it (15 ms of a 450 ms {@code status}).
     */
    public static java.sql.Connection connect(String url, String user, String password) throws java.sql.SQLException {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        return new org.h2.Driver().connect(url, p);
    }
}
