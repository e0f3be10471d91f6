package dev.multiproc.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The configuration shipped in the jar ({@code config.yml}, the repository's), read without SnakeYAML: the build
 * renders its values once ({@link #main}) as lines of {@code key=TYPE:value} (a string, an int, a long, a boolean),
 * and a command that finds no {@code config.yml} of its own reads them back. Loading and running SnakeYAML for the
 * shipped file took 55 to 67 ms of {@code status}'s 450. A file with any other value (a list, a section, a value
 * over several lines) is not rendered: it is parsed as YAML at run time, as before.
 */
final class BuiltInConfig {
    static final String RENDERED = "config.yml.values";

    private BuiltInConfig() {
    }

    /** The shipped configuration's values as the build rendered them; null when it did not. */
    static Map<String, Object> rendered() {
        try (InputStream in = BuiltInConfig.class.getResourceAsStream("/" + RENDERED)) {
            return in == null ? null : read(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return null; // parsed as YAML instead
        }
    }

    /** {@code values} as lines; null when one of them is of a type the lines do not hold. */
    static String render(Map<String, Object> values) {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, Object> e : values.entrySet()) {
            Object v = e.getValue();
            char type = v instanceof String ? 's' : v instanceof Integer ? 'i' : v instanceof Long ? 'l' : v instanceof Boolean ? 'b' : '?';
            if (type == '?' || e.getKey().indexOf('=') >= 0 || (e.getKey() + v).indexOf('\n') >= 0) {
                return null;
            }
            out.append(e.getKey()).append('=').append(type).append(':').append(v).append('\n');
        }
        return out.toString();
    }

    static Map<String, Object> read(String lines) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (String line : lines.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int eq = line.indexOf('=');
            String text = line.substring(eq + 3);
            Object value = switch (line.charAt(eq + 1)) {
                case 'i' -> Integer.valueOf(text);
                case 'l' -> Long.valueOf(text);
                case 'b' -> Boolean.valueOf(text);
                default -> text;
            };
            values.put(line.substring(0, eq), value);
        }
        return values;
    }

    /** At build time: renders {@code DIR/config.yml} into {@code DIR/config.yml.values}, when its values allow it. */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Path rendered = dir.resolve(RENDERED);
        Files.deleteIfExists(rendered);
        String lines = render(ConfigFile.load(dir.resolve("config.yml")).values());
        if (lines == null) {
            System.out.println("config.yml has values other than strings, numbers and booleans: it is parsed as YAML at run time");
            return;
        }
        Files.writeString(rendered, lines);
    }
}
