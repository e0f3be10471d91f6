package dev.multiproc.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The one duration grammar. The valid cases include everything each of the three parsers it replaced
 * accepted: the configuration's ({@code kill_grace}: a number with an optional unit ms, s, m, h, d), the
 * requested {@code runtime}'s (units added up, {@code HH:MM:SS}) and {@code history --since}'s ({@code 2 d}).
 */
class DurationsTest {

    static List<Arguments> valid() {
        return List.of(
                // plain seconds, as numbers and as text
                Arguments.of(3, Duration.ofSeconds(3)),
                Arguments.of(90L, Duration.ofSeconds(90)),
                Arguments.of(0.25, Duration.ofMillis(250)),
                Arguments.of(1.5f, Duration.ofMillis(1500)),
                Arguments.of(new BigDecimal("2.5"), Duration.ofMillis(2500)),
                Arguments.of(BigInteger.TEN, Duration.ofSeconds(10)),
                Arguments.of("5", Duration.ofSeconds(5)),
                Arguments.of("1.5", Duration.ofMillis(1500)),
                Arguments.of(" 90 ", Duration.ofSeconds(90)),
                // one amount with a unit (the configuration's parser)
                Arguments.of("500ms", Duration.ofMillis(500)),
                Arguments.of("5s", Duration.ofSeconds(5)),
                Arguments.of(" 5 S ", Duration.ofSeconds(5)),
                Arguments.of("1.5s", Duration.ofMillis(1500)),
                Arguments.of("2m", Duration.ofMinutes(2)),
                Arguments.of("1h", Duration.ofHours(1)),
                Arguments.of("30d", Duration.ofDays(30)),
                Arguments.of("0.002ms", Duration.ofNanos(2_000)),
                // amounts added up, any case (the runtime's parser)
                Arguments.of("90S", Duration.ofSeconds(90)),
                Arguments.of("1.5h", Duration.ofMinutes(90)),
                Arguments.of("1h30m", Duration.ofMinutes(90)),
                Arguments.of("1h30m15s", Duration.ofSeconds(5415)),
                Arguments.of("1d2h", Duration.ofHours(26)),
                Arguments.of("1m500ms", Duration.ofMillis(60_500)),
                Arguments.of("1h 30m", Duration.ofMinutes(90)),
                // H:MM:SS (the runtime's parser)
                Arguments.of("01:30:00", Duration.ofMinutes(90)),
                Arguments.of("1:02:03", Duration.ofSeconds(3723)),
                Arguments.of("100:00:00", Duration.ofHours(100)),
                Arguments.of("00:00:01", Duration.ofSeconds(1)),
                // a number of days with a blank (history --since's parser)
                Arguments.of("2 d", Duration.ofDays(2)),
                Arguments.of("1.5D", Duration.ofHours(36)),
                // the bounds
                Arguments.of("1000000000", Duration.ofSeconds(Durations.MAX_SECONDS)),
                Arguments.of("0.000000001", Duration.ofNanos(1)));
    }

    @ParameterizedTest
    @MethodSource("valid")
    void reads(Object given, Duration expected) {
        assertEquals(expected, Durations.parse("kill_grace", given));
    }

    static List<Arguments> invalid() {
        return List.of(
                Arguments.of("soon", "must be a duration: "),
                Arguments.of("", "must be a duration: "),
                Arguments.of("  ", "must be a duration: "),
                Arguments.of("h", "must be a duration: "),
                Arguments.of("1x", "must be a duration: "),
                Arguments.of("1w", "must be a duration: "),
                Arguments.of("5 days", "must be a duration: "),
                Arguments.of("1:30", "must be a duration: "),
                Arguments.of("01:30:00:00", "must be a duration: "),
                Arguments.of(".5s", "must be a duration: "),
                Arguments.of("1,5s", "must be a duration: "),
                Arguments.of("-1", "must be a positive duration"),
                Arguments.of("-1s", "must be a positive duration"),
                Arguments.of("0", "must be a positive duration"),
                Arguments.of("0s", "must be a positive duration"),
                Arguments.of("0ms", "must be a positive duration"),
                Arguments.of("0h0m", "must be a positive duration"),
                Arguments.of("00:00:00", "must be a positive duration"),
                Arguments.of("0.0000000004s", "must be a positive duration"),
                Arguments.of(0, "must be a positive duration"),
                Arguments.of(-3, "must be a positive duration"),
                Arguments.of(0.0, "must be a positive duration"),
                Arguments.of(1e-10, "must be a positive duration"),
                Arguments.of("1:60:00", "minutes and seconds below 60"),
                Arguments.of("1:00:60", "minutes and seconds below 60"),
                Arguments.of("1000000001", "must be at most 1000000000 seconds"),
                Arguments.of("11575d", "must be at most 1000000000 seconds"),
                Arguments.of("99999999999999999999:00:00", "must be at most 1000000000 seconds"),
                Arguments.of(1e300, "must be at most 1000000000 seconds"),
                Arguments.of(Double.NaN, "must be a finite number of seconds"),
                Arguments.of(Double.POSITIVE_INFINITY, "must be a finite number of seconds"),
                Arguments.of(true, "must be a duration: "),
                Arguments.of(List.of(1), "must be a duration: "));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void refusesWithTheSettingAndTheReason(Object given, String reason) {
        ConfigException e = assertThrows(ConfigException.class, () -> Durations.parse("kill_grace", given), String.valueOf(given));
        assertTrue(e.getMessage().startsWith("kill_grace "), e.getMessage());
        assertTrue(e.getMessage().contains(reason), () -> "expected '" + reason + "' in: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aMessageShowsWhatWasGivenAndTheForms() {
        ConfigException e = assertThrows(ConfigException.class, () -> Durations.parse("--since", "soon"));
        assertEquals("--since must be a duration: " + Durations.FORMS + "; got 'soon'", e.getMessage());
        e = assertThrows(ConfigException.class, () -> Durations.parse("kill_grace", null));
        assertEquals("kill_grace must be a duration: " + Durations.FORMS + "; got nothing", e.getMessage());
    }

    /** A duration just above a nanosecond is kept to the nanosecond, not rounded away or to a double's error. */
    @Test
    void smallDurationsAreExact() {
        assertEquals(Duration.ofNanos(2_000), Durations.parse("k", "0.000002"));
        assertEquals(Duration.ofNanos(2_000), Durations.parse("k", 2e-6));
        assertEquals(Duration.ofNanos(1_100_000_000), Durations.parse("k", "1.1s"));
    }
}
