package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code run --output}'s printing, in this JVM, of tasks a real host ran into real log files. */
class GroupedOutputTest extends JournalTest {

    /** Counts what it is given and checks it is lines of x, keeping none of it. */
    private static final class LinesOfX extends OutputStream {
        long bytes;
        long newlines;
        long other;

        @Override
        public void write(int b) {
            count((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                count(b[i]);
            }
        }

        private void count(byte b) {
            bytes++;
            if (b == '\n') {
                newlines++;
            } else if (b != 'x') {
                other++;
            }
        }
    }

    @Test
    void aLargeOutputIsStreamedFromItsLogFileNotReadWhole() throws Exception {
        try (MultiprocessDistributor d = Hosts.builder(journal(), 2).logDir(tmp.resolve("logs")).build()) {
            d.start();
            String large = d.submitToBatchDistributor("yes " + "x".repeat(99) + " | head -n 50000", "large", Map.of()); // 5,000,000 bytes
            String small = d.submitToBatchDistributor("printf 'no newline'; printf 'err' >&2", "small", Map.of());
            String silent = d.submitToBatchDistributor("true", "silent", Map.of());
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(60)), "the tasks end");
            d.engine().flushJournal();

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            StringWriter notes = new StringWriter();
            new GroupedOutput(d.engine().journal(), new PrintStream(out, true), new PrintStream(err, true), new PrintWriter(notes))
                    .print(List.of(silent, small), Progress.none());
            assertEquals("no newline\n", out.toString(StandardCharsets.UTF_8), "a task without output prints nothing; a last newline is added");
            assertEquals("err\n", err.toString(StandardCharsets.UTF_8));
            assertEquals("", notes.toString());

            LinesOfX sink = new LinesOfX();
            GroupedOutput grouped = new GroupedOutput(d.engine().journal(), new PrintStream(sink), new PrintStream(err), new PrintWriter(notes));
            com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            grouped.print(List.of(large), Progress.none());
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals(5_000_000, sink.bytes, "all of it");
            assertEquals(50_000, sink.newlines);
            assertEquals(0, sink.other);
            assertTrue(allocated < 1_000_000, "printed a buffer at a time, not read whole: " + allocated + " bytes allocated");
        }
    }
}
