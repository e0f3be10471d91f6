package dev.multiproc.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one way multiproc reads a duration, wherever it is written: a configuration key ({@code kill_grace}),
 * a requested resource ({@code runtime}), a command-line option ({@code --since}). The grammar, in any
 * case, with blanks allowed around it, between an amount and its unit, and between parts:
 * <ul>
 * <li>a number of seconds: {@code 90}, {@code 1.5}, or a YAML or JSON number;</li>
 * <li>amounts with units, added up: {@code 500ms}, {@code 90s}, {@code 30m}, {@code 2h}, {@code 1d}, {@code 1.5h},
 *     {@code 1h30m}, {@code 1d 2h}; units {@code ms}, {@code s}, {@code m} (minutes), {@code h}, {@code d};</li>
 * <li>a clock, {@code H:MM:SS}: {@code 1:30:00}, {@code 100:00:00}; minutes and seconds below 60.</li>
 * </ul>
 * A duration is more than zero (at least a nanosecond) and at most {@link #MAX_SECONDS} seconds.
 */
public final class Durations {
    /** The longest duration: about 31 years, far beyond any timeout, and far from overflowing nanoseconds. */
    public static final long MAX_SECONDS = 1_000_000_000L;
    /** How the grammar reads in an error message. */
    public static final String FORMS = "a number of seconds, amounts with units ms, s, m, h or d such as 90s or 1h30m, or H:MM:SS";

    private static final String NUMBER = "\\d+(?:\\.\\d+)?";
    private static final Pattern SECONDS = Pattern.compile(NUMBER);
    private static final Pattern PARTS = Pattern.compile("(?:" + NUMBER + "\\s*(?:ms|s|m|h|d)\\s*)+");
    private static final Pattern PART = Pattern.compile("(" + NUMBER + ")\\s*(ms|s|m|h|d)");
    private static final Pattern CLOCK = Pattern.compile("(\\d+):(\\d{1,2}):(\\d{1,2})");
    private static final BigDecimal NANOS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);
    private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(MAX_SECONDS).multiply(NANOS_PER_SECOND);

    private Durations() {
    }

    /**
     * Reads {@code value} (a string or a number) as a duration; anything else, or a duration out of range,
     * is a {@link ConfigException} whose message names {@code name} (the setting) and the reason.
     */
    public static Duration parse(String name, Object value) {
        BigDecimal seconds;
        if (value instanceof Number n) {
            seconds = seconds(name, n);
        } else if (value instanceof String s) {
            seconds = seconds(name, s);
        } else {
            throw new ConfigException(name + " must be a duration: " + FORMS + "; got "
                    + (value == null ? "nothing" : value.getClass().getSimpleName() + " " + value));
        }
        BigDecimal nanos = seconds.multiply(NANOS_PER_SECOND);
        if (nanos.compareTo(MAX_NANOS) > 0) {
            throw new ConfigException(name + " must be at most " + MAX_SECONDS + " seconds (about 31 years), got '" + value + "'");
        }
        long whole = nanos.longValue();
        if (whole <= 0) {
            throw new ConfigException(name + " must be a positive duration (at least a nanosecond), got '" + value + "'");
        }
        return Duration.ofNanos(whole);
    }

    private static BigDecimal seconds(String name, Number n) {
        if (n instanceof Double || n instanceof Float) {
            double d = n.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new ConfigException(name + " must be a finite number of seconds, got " + n);
            }
            return BigDecimal.valueOf(d);
        }
        if (n instanceof BigDecimal b) {
            return b;
        }
        if (n instanceof BigInteger b) {
            return new BigDecimal(b);
        }
        try {
            return new BigDecimal(n.toString());
        } catch (NumberFormatException e) {
            throw new ConfigException(name + " must be a number of seconds, got " + n);
        }
    }

    private static BigDecimal seconds(String name, String given) {
        String t = given.strip().toLowerCase(Locale.ROOT);
        if (SECONDS.matcher(t).matches()) {
            return new BigDecimal(t);
        }
        if (PARTS.matcher(t).matches()) {
            BigDecimal sum = BigDecimal.ZERO;
            Matcher part = PART.matcher(t);
            while (part.find()) {
                BigDecimal amount = new BigDecimal(part.group(1));
                sum = sum.add(switch (part.group(2)) {
                    case "ms" -> amount.movePointLeft(3);
                    case "m" -> amount.multiply(BigDecimal.valueOf(60));
                    case "h" -> amount.multiply(BigDecimal.valueOf(3_600));
                    case "d" -> amount.multiply(BigDecimal.valueOf(86_400));
                    default -> amount;
                });
            }
            return sum;
        }
        Matcher clock = CLOCK.matcher(t);
        if (clock.matches()) {
            int minutes = Integer.parseInt(clock.group(2));
            int secs = Integer.parseInt(clock.group(3));
            if (minutes > 59 || secs > 59) {
                throw new ConfigException(name + " as H:MM:SS must have minutes and seconds below 60, got '" + given + "'");
            }
            return new BigDecimal(clock.group(1)).multiply(BigDecimal.valueOf(3_600)).add(BigDecimal.valueOf(minutes * 60L + secs));
        }
        if (t.startsWith("-")) {
            throw new ConfigException(name + " must be a positive duration, got '" + given + "'");
        }
        throw new ConfigException(name + " must be a duration: " + FORMS + "; got '" + given + "'");
    }
}
