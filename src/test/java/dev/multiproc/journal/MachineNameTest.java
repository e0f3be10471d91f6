package dev.multiproc.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.multiproc.testing.Jvm;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A host's machine name is the JDK's, read without a lookup of its address (which waits for DNS). */
class MachineNameTest {

    @TempDir
    Path tmp;

    @Test
    void itIsTheNameTheJdkGives() throws Exception {
        assertEquals(InetAddress.getLocalHost().getHostName(), SessionRow.machineName());
    }

    /** Prints the machine name; run in a JVM whose lookups find nothing. */
    public static void main(String[] args) {
        System.out.println(SessionRow.machineName());
    }

    @Test
    void itNeedsNoLookup() throws Exception {
        // a JVM that resolves names from an empty hosts file: the JDK's own answer fails, as where DNS does not answer
        Path hosts = Files.writeString(tmp.resolve("hosts"), "");
        String kernel = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        assumeFalse(kernel.equals("localhost"), "a machine named localhost: the failed lookup's answer is the same name");
        Process p = new ProcessBuilder(Jvm.command("-Djdk.net.hosts.file=" + hosts, "-cp", System.getProperty("java.class.path"),
                MachineNameTest.class.getName())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals(kernel, out, "the failed lookup's answer is localhost");
    }
}
