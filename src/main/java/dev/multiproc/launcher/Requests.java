package dev.multiproc.launcher;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** The launcher's request encoding: NUL-terminated {@code name=value} fields, a record closed by an empty field. */
final class Requests {
    private Requests() {
    }

    static void field(ByteArrayOutputStream out, String name, String value) {
        byte[] bytes = (name + "=" + value).getBytes(StandardCharsets.UTF_8);
        out.write(bytes, 0, bytes.length);
        out.write(0);
    }

    static byte[] of(String... nameValuePairs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        for (int i = 0; i + 1 < nameValuePairs.length; i += 2) {
            field(out, nameValuePairs[i], nameValuePairs[i + 1]);
        }
        out.write(0);
        return out.toByteArray();
    }

    /** Terminate the launcher's task {@code key}. */
    static byte[] kill(String key) {
        return of("op", "kill", "key", key);
    }

    /** Terminate the process group of a task another launcher started, if the pid still names that process. */
    static byte[] killOther(dev.multiproc.proc.ProcessIdentity task, java.time.Duration grace) {
        return of("op", "killpid", "pid", Long.toString(task.pid()), "start", Long.toString(task.startTicks()),
                "grace_ms", Long.toString(grace.toMillis()));
    }

    /** Measure the tasks' memory every {@code period}. */
    static byte[] samplePeriod(java.time.Duration period) {
        return of("op", "sample", "sample_ms", Long.toString(Math.max(1, period.toMillis())));
    }
}
