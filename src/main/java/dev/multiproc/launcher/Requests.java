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
}
