package dev.multiproc.cli;

import java.util.List;

/**
 * The JVM options that {@code bin/multiproc} starts a host with (src/main/sh/multiproc carries the same; a test
 * checks), so that its resident memory stays near what it uses. With the JVM's defaults on a 24 GiB machine the
 * heap may grow to 6 GiB, and G1 grows it under a high allocation rate on a loaded machine: a run of 100,000
 * {@code true} reached 3.5 GB resident with a live heap near 22 MiB. The serial collector grows the heap only
 * as the live data needs it (the young generation is sized from the old one), with no concurrent threads or
 * remembered sets; on two cores it costs no throughput here. The young generation is fixed at 16 MiB (a young
 * collection of a host's short-lived garbage takes a millisecond or two); the old one is kept within 20 to 40%
 * free after a full collection. The heap may reach 512 MiB, so a run of millions of lines still fits. glibc keeps
 * freed native memory (the JIT's arenas, NIO's buffers) in its arenas: trimmed every 5 s. H2's page cache, which
 * scales with the maximum heap, is bounded by the journal itself. The bench's footprint part and FootprintTest
 * start hosts with these.
 */
public final class JvmFlags {
    /** The options, in the order the script gives them; {@code MULTIPROC_JAVA_OPTS} comes after them and wins. */
    public static final List<String> HOST = List.of("-XX:+UseSerialGC", "-Xms32m", "-Xmx512m", "-Xmn16m",
            "-XX:MinHeapFreeRatio=20", "-XX:MaxHeapFreeRatio=40", "-XX:TrimNativeHeapInterval=5000");

    /** What the script adds for a {@code run} (and the commands that read and answer): the client compiler alone, one thread of it. */
    public static final List<String> CLIENT_COMPILER_ALONE = List.of("-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1");

    /** The commands the script gives {@link #CLIENT_COMPILER_ALONE}: they end soon, or before the optimising compiler pays back. */
    static final java.util.Set<String> SHORT_LIVED = java.util.Set.of("run", "status", "history", "logs", "sql", "kill", "submit",
            "wait", "help", "--help", "-h", "--version", "-V");

    /** The compiler options the script adds for {@code command} (a subcommand, or an option that stands for one). */
    public static List<String> compilersFor(String command) {
        return SHORT_LIVED.contains(command) ? CLIENT_COMPILER_ALONE : List.of();
    }

    /**
     * What the script also adds for those commands, unless {@code MULTIPROC_JAVA_OPTS} mentions the flight recorder: the
     * JVM says it has none, so Jdbi does not register its statement event with it (40 ms of a run of one line).
     */
    public static final List<String> NO_FLIGHT_RECORDER = List.of("-Djfr.unsupported.vm=true");

    /** The flight recorder's option the script adds for {@code command}. */
    public static List<String> recorderFor(String command) {
        return SHORT_LIVED.contains(command) ? NO_FLIGHT_RECORDER : List.of();
    }

    private JvmFlags() {
    }
}
