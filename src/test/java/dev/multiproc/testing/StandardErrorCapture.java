package dev.multiproc.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Copies what this JVM writes to standard error (where its log goes) while the test runs, so a test
 * can count log lines. Standard error still gets everything.
 */
public final class StandardErrorCapture implements AutoCloseable {
    private final PrintStream original = System.err;
    private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

    private StandardErrorCapture() {
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (copy) {
                    copy.write(b);
                }
                original.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (copy) {
                    copy.write(b, off, len);
                }
                original.write(b, off, len);
            }

            @Override
            public void flush() {
                original.flush();
            }
        };
        System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
    }

    public static StandardErrorCapture start() {
        return new StandardErrorCapture();
    }

    public String text() {
        synchronized (copy) {
            return copy.toString(StandardCharsets.UTF_8);
        }
    }

    /** How many lines contain {@code fragment}. */
    public long lines(String fragment) {
        return text().lines().filter(l -> l.contains(fragment)).count();
    }

    @Override
    public void close() {
        System.setErr(original);
    }
}
