package dev.multiproc.launcher;

import dev.multiproc.proc.ProcessIdentity;

import dev.multiproc.launcher.Launcher.LauncherException;

/**
 * A launcher's first line, {@code H <version> <clk_tck> <page_kb>}: the protocol it speaks, and the units
 * of the figures it reports (start times in clock ticks, memory in pages of {@code pageKb} KiB).
 */
public record Handshake(int version, long clockTicksPerSecond, long pageKb) {
    /** The one version of the launcher protocol (see {@code mpagent.h}) this library speaks. */
    public static final int PROTOCOL_VERSION = 3;

    /**
     * Reads a handshake line; refuses a launcher of another protocol version. {@code who} names the
     * launcher in the message ("the launcher /x", "the launcher at /y.sock").
     */
    static Handshake parse(String line, String who) throws LauncherException {
        String[] f = line.split(" ");
        if (f.length < 4 || !f[0].equals("H")) {
            throw new LauncherException(who + " did not start with a handshake (H <version> <clk_tck> <page_kb>): '" + line + "'");
        }
        int version;
        long ticks;
        long pageKb;
        try {
            version = Integer.parseInt(f[1]);
            ticks = Long.parseLong(f[2]);
            pageKb = Long.parseLong(f[3]);
        } catch (NumberFormatException e) {
            throw new LauncherException(who + " sent a malformed handshake: '" + line + "'");
        }
        if (version != PROTOCOL_VERSION) {
            throw new LauncherException(who + " speaks launcher protocol version " + version + ", but this multiproc speaks version "
                    + PROTOCOL_VERSION + " only: use the mpagent built with this multiproc");
        }
        if (ticks <= 0 || pageKb <= 0) {
            throw new LauncherException(who + " sent a handshake with impossible units: '" + line + "'");
        }
        ProcessIdentity.learnClockTicks(ticks);
        return new Handshake(version, ticks, pageKb);
    }
}
