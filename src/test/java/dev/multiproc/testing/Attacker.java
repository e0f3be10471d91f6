package dev.multiproc.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A second Unix user on the machine, {@code nobody}, acting against what a test started as its owner (root): its
 * commands run through {@code runuser -u nobody}. Tests that need one skip when there is none (not root, no runuser,
 * no user nobody), except on CI (the variable CI set), where they fail instead of passing unseen.
 */
public final class Attacker {
    public static final String USER = "nobody";
    private static final List<Path> RUNUSER = List.of(Path.of("/usr/sbin/runuser"), Path.of("/sbin/runuser"), Path.of("/usr/bin/runuser"));

    private Attacker() {
    }

    public record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** Skips the test (fails it on CI) unless this process is root and can act as {@code nobody} with {@code tools}. */
    public static void assumeAvailable(Path... tools) {
        String missing = null;
        for (Path tool : tools) {
            if (!Files.isExecutable(tool)) {
                missing = tool + ", for the second user to act with";
            }
        }
        if (!isRoot()) {
            missing = "the tests run as root (they act as a second user, " + USER + ", through runuser)";
        } else if (runuser() == null) {
            missing = "runuser (util-linux), to act as the second user " + USER;
        } else if (!userExists()) {
            missing = "a user named " + USER + " to act as a second user";
        }
        if (missing != null) {
            if (System.getenv("CI") != null) {
                fail("an attacker test cannot run on CI: it needs " + missing);
            }
            assumeTrue(false, "skipped: this attacker test needs " + missing);
        }
    }

    /** Runs {@code command} as {@code nobody}, to its end (at most two minutes). */
    public static Result run(String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of(runuser().toString(), "-u", USER, "--"));
        full.addAll(List.of(command));
        return runAsIs(full);
    }

    /** Runs {@code command} as this process's user, to its end (at most two minutes). */
    public static Result runAsIs(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("attacker", ".out");
        Path err = Files.createTempFile("attacker", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("did not end within two minutes: " + command);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Lets {@code nobody} into {@code dir} and the directories above it up to {@code top}: they are no barrier then. */
    public static void openPath(Path top, Path dir) throws IOException {
        for (Path p = dir.toAbsolutePath(); p != null && p.startsWith(top.toAbsolutePath()); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /** A copy of the jar holding {@code type}, readable by {@code nobody}, in {@code dir} (which the caller opens). */
    public static Path readableCopyOfJarOf(Class<?> type, Path dir) throws Exception {
        Path jar = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        Files.createDirectories(dir);
        Path copy = dir.resolve(jar.getFileName());
        Files.copy(jar, copy);
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
        return copy;
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    private static Path runuser() {
        return RUNUSER.stream().filter(Files::isExecutable).findFirst().orElse(null);
    }

    private static boolean userExists() {
        try {
            return Files.readAllLines(Path.of("/etc/passwd")).stream().anyMatch(l -> l.startsWith(USER + ":"));
        } catch (IOException e) {
            return false;
        }
    }
}
