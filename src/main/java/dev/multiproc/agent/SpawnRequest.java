package dev.multiproc.agent;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What a supervisor needs to run one task attempt. Encoded for the launcher as NUL-terminated
 * {@code name=value} fields closed by an empty field; commands never hold NUL (submit refuses them).
 */
public record SpawnRequest(String key, String command, List<String> env, String stdoutPath, String stderrPath,
        long runtimeMs, long memoryKb, long graceMs, long sampleMs) {

    byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(command.length() + 256);
        field(out, "key", key);
        field(out, "cmd", command);
        for (String e : env) {
            field(out, "env", e);
        }
        if (stdoutPath != null) {
            field(out, "out", stdoutPath);
        }
        if (stderrPath != null) {
            field(out, "err", stderrPath);
        }
        field(out, "runtime_ms", Long.toString(runtimeMs));
        field(out, "mem_kb", Long.toString(memoryKb));
        field(out, "grace_ms", Long.toString(graceMs));
        field(out, "sample_ms", Long.toString(sampleMs));
        out.write(0);
        return out.toByteArray();
    }

    private static void field(ByteArrayOutputStream out, String name, String value) {
        byte[] bytes = (name + "=" + value).getBytes(StandardCharsets.UTF_8);
        out.write(bytes, 0, bytes.length);
        out.write(0);
    }
}
