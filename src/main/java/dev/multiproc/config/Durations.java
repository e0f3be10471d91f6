package dev.multiproc.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them in configuration: {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code 30d}, or a number of seconds. */
public final class Durations {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)?");

    private Durations() {
    }

    public static Duration parse(String key, Object value) {
        if (value instanceof Number n) {
            return ofSeconds(key, n.doubleValue(), value);
        }
        if (value instanceof String s) {
            Matcher m = DURATION.matcher(s.trim().toLowerCase(Locale.ROOT));
            if (m.matches()) {
                double amount = Double.parseDouble(m.group(1));
                String unit = m.group(2) == null ? "s" : m.group(2);
                double seconds = switch (unit) {
                    case "ms" -> amount / 1000;
                    case "m" -> amount * 60;
                    case "h" -> amount * 3600;
                    case "d" -> amount * 86_400;
                    default -> amount;
                };
                return ofSeconds(key, seconds, value);
            }
        }
        throw new ConfigException(key + " must be a duration such as 500ms, 5s, 2m or a number of seconds, got '" + value + "'");
    }

    private static Duration ofSeconds(String key, double seconds, Object given) {
        long nanos = (long) (seconds * 1e9);
        if (!(seconds > 0) || Double.isInfinite(seconds) || nanos <= 0 || seconds > 1e9) {
            throw new ConfigException(key + " must be a positive duration, got '" + given + "'");
        }
        return Duration.ofNanos(nanos);
    }
}
