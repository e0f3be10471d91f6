package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.testing.PrintJvmArguments;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher script {@code bin/multiproc} (src/main/sh/multiproc) as the build installs it, run by the real shell
 * and JVM: beside it a jar whose main class prints the options the JVM got. The commands that read and answer get
 * the client compiler alone; hosts keep both compilers; the arguments pass through untouched; the class-data-sharing
 * archive goes only to the jar it was made for.
 */
class LauncherScriptTest {
    @TempDir
    Path tmp;
    private Path script;

    @BeforeEach
    void install() throws Exception {
        script = Files.createDirectories(tmp.resolve("bin")).resolve("multiproc");
        Files.copy(Path.of("src/main/sh/multiproc"), script);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, PrintJvmArguments.class.getName());
        Path classes = Path.of(PrintJvmArguments.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classes.toUri().toString());
        try (OutputStream out = Files.newOutputStream(tmp.resolve("multiproc.jar")); JarOutputStream jar = new JarOutputStream(out, manifest)) {
            jar.flush();
        }
    }

    @Test
    void shortLivedCommandsGetTheClientCompilerAloneAndServicesBothCompilers() throws Exception {
        for (String command : List.of("status", "history", "--help", "run")) {
            List<String> jvm = jvmOptions(command);
            assertTrue(jvm.containsAll(JvmFlags.CLIENT_COMPILER_ALONE), command + ": " + jvm);
            assertTrue(jvm.contains("-XX:+UseSerialGC"), command + ": " + jvm);
        }
        assertTrue(jvmOptions().contains("-XX:TieredStopAtLevel=1"), "no arguments prints the usage");
        for (String command : List.of("serve", "console", "bench")) {
            List<String> jvm = jvmOptions(command);
            assertFalse(jvm.stream().anyMatch(o -> o.startsWith("-XX:TieredStopAtLevel")), command + ": " + jvm);
            assertTrue(jvm.contains("-Xmx512m"), command + ": " + jvm);
        }
    }

    @Test
    void theScriptsCompilersAreJvmFlags() throws Exception {
        // FootprintBench starts hosts as the script does, from JvmFlags
        java.util.Set<String> commands = new java.util.TreeSet<>(Main.subcommands().keySet());
        commands.addAll(JvmFlags.SHORT_LIVED);
        for (String command : commands) {
            List<String> jvm = jvmOptions(command);
            List<String> expected = JvmFlags.compilersFor(command);
            assertTrue(jvm.containsAll(expected), command + ": " + jvm);
            assertEquals(JvmFlags.recorderFor(command).isEmpty(), !jvm.containsAll(JvmFlags.NO_FLIGHT_RECORDER), command + ": " + jvm);
            if (expected.isEmpty()) {
                assertFalse(jvm.stream().anyMatch(o -> o.startsWith("-XX:TieredStopAtLevel") || o.startsWith("-XX:CICompilerCount")),
                        command + ": " + jvm);
            }
        }
    }

    @Test
    void compilerOptionsOfTheUsersReplaceTheScripts() throws Exception {
        // -XX:CICompilerCount=1 with both compilers stops the JVM: "CICompilerCount (1) must be at least 2"
        List<String> out = output(List.of("MULTIPROC_JAVA_OPTS=-XX:TieredStopAtLevel=4"), "run", "f.txt");
        List<String> jvm = out.subList(0, out.indexOf("--"));
        assertFalse(jvm.contains("-XX:CICompilerCount=1") || jvm.contains("-XX:TieredStopAtLevel=1"), jvm.toString());
        assertTrue(jvm.contains("-XX:TieredStopAtLevel=4"), jvm.toString());
        assertTrue(jvmOptions("run").containsAll(JvmFlags.CLIENT_COMPILER_ALONE));
    }

    @Test
    void aRecordingOfTheUsersKeepsTheFlightRecorder() throws Exception {
        assertTrue(jvmOptions("run").containsAll(JvmFlags.NO_FLIGHT_RECORDER));
        for (String opts : List.of("-XX:StartFlightRecording=filename=" + tmp.resolve("r.jfr"), "-Djfr.unsupported.vm=false")) {
            List<String> out = output(List.of("MULTIPROC_JAVA_OPTS=" + opts), "run", "f.txt");
            List<String> jvm = out.subList(0, out.indexOf("--"));
            assertFalse(jvm.contains("-Djfr.unsupported.vm=true"), opts + ": " + jvm);
            assertTrue(jvm.contains(opts), jvm.toString());
        }
        // the JVM reads these itself: with the property as well, a recording asked for there would stop it at start
        for (String variable : List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS")) {
            List<String> out = output(List.of(variable + "=-XX:StartFlightRecording=filename=" + tmp.resolve(variable + ".jfr")), "run", "f.txt");
            assertFalse(out.contains("-Djfr.unsupported.vm=true"), variable + ": " + out);
        }
    }

    @Test
    void argumentsPassThroughAndMultiprocJavaOptsComeLast() throws Exception {
        List<String> out = output(List.of("MULTIPROC_JAVA_OPTS=-Xmx1g"), "run", "a file with spaces.txt", "-j", "2");
        int separator = out.indexOf("--");
        assertEquals(List.of("run", "a file with spaces.txt", "-j", "2"), out.subList(separator + 1, out.size()));
        List<String> jvm = out.subList(0, separator);
        assertTrue(jvm.indexOf("-Xmx1g") > jvm.indexOf("-Xmx512m"), jvm.toString());
    }

    @Test
    void theArchiveIsGivenOnlyToTheJarItWasMadeForAtThatPath() throws Exception {
        Path jar = tmp.resolve("multiproc.jar");
        Path archive = Files.writeString(tmp.resolve("multiproc.jsa"), "not an archive: the JVM skips it without a word");
        Path madeFor = tmp.resolve("multiproc.jsa.classpath");
        Files.setLastModifiedTime(archive, later(jar));
        assertFalse(givesArchive(), "no record of the jar it was made for");
        Files.writeString(madeFor, jar.toRealPath() + "\n");
        assertTrue(givesArchive(), "made for this jar, after it");
        Files.writeString(madeFor, "/elsewhere/multiproc.jar\n");
        assertFalse(givesArchive(), "made for a jar at another path: the files have moved");
        Files.writeString(madeFor, jar.toRealPath() + "\n");
        Files.setLastModifiedTime(jar, later(archive));
        assertFalse(givesArchive(), "older than the jar: the jar was rebuilt without it");
    }

    private boolean givesArchive() throws Exception {
        List<String> jvm = jvmOptions("status");
        return jvm.contains("-XX:SharedArchiveFile=" + tmp.toRealPath().resolve("multiproc.jsa"));
    }

    private static java.nio.file.attribute.FileTime later(Path than) throws java.io.IOException {
        return java.nio.file.attribute.FileTime.from(Files.getLastModifiedTime(than).toInstant().plusSeconds(2));
    }

    private List<String> jvmOptions(String... args) throws Exception {
        List<String> out = output(List.of(), args);
        return out.subList(0, out.indexOf("--"));
    }

    private List<String> output(List<String> environment, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(script.toString());
        pb.command().addAll(List.of(args));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("MULTIPROC_JAVA_OPTS");
        for (String e : environment) {
            pb.environment().put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
        }
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        return out.lines().toList();
    }
}
