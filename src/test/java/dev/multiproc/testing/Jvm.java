package dev.multiproc.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command that starts a second JVM for a test. Such a JVM lives for seconds and spends most of its CPU
 * on start-up, loading some 6,000 classes: with only the client compiler and the serial collector it takes
 * about half the CPU time of the JVM's defaults, and without verifying the bytecode of the class path
 * (javac's and the dependencies', as the JDK's own classes are not verified either) an eighth less again;
 * that counts on a loaded two-core machine. A test about the JVM's own tuning (the G1 flags of the host of
 * a run) asks for {@link #withDefaults}.
 */
public final class Jvm {
    private static final List<String> QUICK_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-XX:+UnlockDiagnosticVMOptions", "-XX:-BytecodeVerificationRemote");

    private Jvm() {
    }

    /** {@code java} with the quick-start flags, then {@code args} (class path, main class, ...). */
    public static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(QUICK_START);
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** {@code java} with the JVM's own defaults, then {@code args}. */
    public static List<String> withDefaults(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(List.of(args));
        return cmd;
    }

    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
