package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Help.Ansi;

/** The usage the build rendered is the one picocli renders now, plain and in colour, and is what --help prints. */
class PrintedUsageTest {
    @Test
    void theRenderedUsageIsPicocliUsageOfThisBuild() throws IOException {
        assertEquals(PrintedUsage.render(Ansi.OFF), resource(PrintedUsage.PLAIN));
        assertEquals(PrintedUsage.render(Ansi.ON), resource(PrintedUsage.COLOURED));
        assertTrue(resource(PrintedUsage.COLOURED).contains("\u001B["), "the coloured rendering has ANSI escapes");
    }

    @Test
    void helpAndNoArgumentsPrintTheUsageAndVersionPrintsTheVersion() {
        for (String[] args : new String[][] {{}, {"--help"}, {"-h"}}) {
            String printed = printed(args);
            assertTrue(printed.startsWith("Usage: multiproc"), printed);
            assertTrue(printed.contains("Runs one shell command per line of FILE"), printed);
        }
        assertEquals("multiproc " + Version.of() + System.lineSeparator(), printed("--version"));
    }

    @Test
    void anythingElseGoesToPicocli() {
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertFalse(PrintedUsage.print(new String[] {"status"}, out));
        assertFalse(PrintedUsage.print(new String[] {"--help", "run"}, out));
        assertFalse(PrintedUsage.print(new String[] {"help"}, out));
    }

    private static String printed(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        assertTrue(PrintedUsage.print(args, new PrintStream(bytes, true, StandardCharsets.UTF_8)));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = PrintedUsage.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
