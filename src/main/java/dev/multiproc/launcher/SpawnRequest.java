package dev.multiproc.launcher;

import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * What the launcher needs to run one task attempt. Encoded as NUL-terminated {@code name=value} fields
 * closed by an empty field; commands never hold NUL (submit refuses them).
 */
public record SpawnRequest(String key, String command, List<String> env, String stdoutPath, String stderrPath, int cores,
        long runtimeMs, long memoryKb, long graceMs) {

    byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(command.length() + 256);
        Requests.field(out, "key", key);
        Requests.field(out, "cmd", command);
        for (String e : env) {
            Requests.field(out, "env", e);
        }
        if (stdoutPath != null) {
            Requests.field(out, "out", stdoutPath);
        }
        if (stderrPath != null) {
            Requests.field(out, "err", stderrPath);
        }
        Requests.field(out, "cores", Integer.toString(cores));
        if (runtimeMs > 0) {
            Requests.field(out, "runtime_ms", Long.toString(runtimeMs));
        }
        if (memoryKb > 0) {
            Requests.field(out, "mem_kb", Long.toString(memoryKb));
        }
        Requests.field(out, "grace_ms", Long.toString(graceMs));
        out.write(0);
        return out.toByteArray();
    }
}
