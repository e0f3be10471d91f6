package dev.multiproc.core;

import dev.multiproc.config.Durations;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Requested resources in canonical units, parsed from what users write: {@code cores} (a whole number),
 * {@code memory} ({@code "8G"}, {@code "512M"}, {@code "1.5GiB"}, or a number of GiB), {@code runtime}
 * (a duration as {@link Durations} reads it: seconds, {@code "90s"}, {@code "1h30m"}, {@code "1:30:00"}; rounded up to seconds),
 * {@code queue}, {@code project}, and {@code stdout} / {@code stderr} (log directories). Other keys
 * belong to other clusters and are kept as given. Memory units are binary: {@code 1G} is 2<sup>30</sup> bytes.
 *
 * @param cores          slots the task occupies, at least 1
 * @param memoryBytes    memory limit of the task's whole process tree; null for none
 * @param runtimeSeconds runtime limit; null for none
 */
public record Resources(int cores, Long memoryBytes, Long runtimeSeconds, String queue, String project, String stdoutDir,
        String stderrDir) {

    public static final Resources DEFAULT = new Resources(1, null, null, null, null, null, null);
    private static final Pattern MEMORY = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGTP]?)(I?B?)", Pattern.CASE_INSENSITIVE);
    private static final String RUNTIME = "requested resource 'runtime'";

    /** Parses requested resources; a wrong type or unit is an {@link IllegalArgumentException} naming the key. */
    public static Resources parse(Map<String, Object> requested) {
        if (requested == null || requested.isEmpty()) {
            return DEFAULT;
        }
        for (Object key : requested.keySet()) {
            if (key == null) {
                throw new IllegalArgumentException("requested resources hold a null key");
            }
        }
        Object cores = requested.get("cores");
        Object memory = requested.get("memory");
        Object runtime = requested.get("runtime");
        return new Resources(cores == null ? 1 : parseCores(cores), memory == null ? null : parseMemory(memory),
                runtime == null ? null : parseRuntime(runtime), text(requested, "queue"), text(requested, "project"),
                text(requested, "stdout"), text(requested, "stderr"));
    }

    public static int parseCores(Object value) {
        long n = wholeNumber("cores", value);
        if (n < 1 || n > 1_000_000) {
            throw new IllegalArgumentException("requested resource 'cores' must be a whole number of at least 1, got " + value);
        }
        return (int) n;
    }

    /** Bytes for {@code "8G"}, {@code "512M"}, {@code "100MiB"}, {@code 2} (GiB) or {@code 0.5} (GiB). */
    public static long parseMemory(Object value) {
        if (value instanceof Number n) {
            return positiveBytes(toDouble("memory", n) * (1L << 30), value);
        }
        if (value instanceof String s) {
            String t = s.trim();
            Matcher m = MEMORY.matcher(t);
            if (!m.matches() || (!m.group(3).isEmpty() && m.group(2).isEmpty() && !m.group(3).equalsIgnoreCase("B"))) {
                throw new IllegalArgumentException("requested resource 'memory' must look like 512M, 8G, 1.5GiB or a number of GiB, got '"
                        + s + "'");
            }
            double amount = Double.parseDouble(m.group(1));
            String unit = m.group(2).toUpperCase(Locale.ROOT);
            if (unit.isEmpty() && m.group(3).isEmpty()) {
                return positiveBytes(amount * (1L << 30), value); // a bare number is GiB, as Jobmon reads it
            }
            int shift = switch (unit) {
                case "" -> 0;
                case "K" -> 10;
                case "M" -> 20;
                case "G" -> 30;
                case "T" -> 40;
                default -> 50;
            };
            return positiveBytes(amount * Math.pow(2, shift), value);
        }
        throw new IllegalArgumentException("requested resource 'memory' must be a string such as '8G' or a number of GiB, got "
                + typeName(value));
    }

    /**
     * Whole seconds, rounded up, for a duration as {@link Durations} reads it: {@code 90}, {@code "90s"},
     * {@code "30m"}, {@code "2h"}, {@code "1h30m"}, {@code "1d"} or {@code "01:30:00"}.
     */
    public static long parseRuntime(Object value) {
        Duration d = Durations.parse(RUNTIME, value);
        return d.getSeconds() + (d.getNano() > 0 ? 1 : 0);
    }

    /** The resources as canonical values: cores, memory in GiB, runtime in seconds, and the rest as given. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", cores);
        if (memoryBytes != null) {
            m.put("memory", memoryBytes / (double) (1L << 30));
        }
        if (runtimeSeconds != null) {
            m.put("runtime", runtimeSeconds);
        }
        putIf(m, "queue", queue);
        putIf(m, "project", project);
        putIf(m, "stdout", stdoutDir);
        putIf(m, "stderr", stderrDir);
        return m;
    }

    private static void putIf(Map<String, Object> m, String key, Object value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    private static long positiveBytes(double bytes, Object given) {
        if (!(bytes >= 1) || bytes > Long.MAX_VALUE / 2) {
            throw new IllegalArgumentException("requested resource 'memory' must be more than 0 bytes and finite, got " + given);
        }
        return (long) Math.ceil(bytes);
    }

    private static long wholeNumber(String key, Object value) {
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof Number n && !(value instanceof Float || value instanceof Double)) {
            try {
                return new java.math.BigDecimal(n.toString()).longValueExact();
            } catch (ArithmeticException | NumberFormatException e) {
                throw new IllegalArgumentException("requested resource '" + key + "' must be a whole number, got " + describe(value));
            }
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (d == Math.rint(d) && !Double.isInfinite(d)) {
                return (long) d;
            }
        }
        if (value instanceof String s && s.trim().matches("\\d{1,9}")) {
            return Long.parseLong(s.trim());
        }
        throw new IllegalArgumentException("requested resource '" + key + "' must be a whole number, got " + describe(value));
    }

    private static double toDouble(String key, Number n) {
        double d = n.doubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d) || d <= 0) {
            throw new IllegalArgumentException("requested resource '" + key + "' must be a positive number, got " + n);
        }
        return d;
    }

    private static String text(Map<String, Object> requested, String key) {
        Object v = requested.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException("requested resource '" + key + "' must be a string, got " + typeName(v));
        }
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("requested resource '" + key + "' must not contain NUL characters");
        }
        return s.isBlank() ? null : s;
    }

    private static String describe(Object value) {
        return value instanceof String s ? "'" + s + "'" : value + " (" + typeName(value) + ")";
    }

    private static String typeName(Object value) {
        return value == null ? "null" : value.getClass().getSimpleName();
    }
}
