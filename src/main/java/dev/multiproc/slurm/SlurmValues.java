package dev.multiproc.slurm;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Times and sizes as Slurm's command-line tools print them, and a runtime as {@code sbatch --time} takes it. */
final class SlurmValues {
    private static final Pattern TIME = Pattern.compile("(?:(\\d+)-)?(\\d+)(?::(\\d+))?(?::(\\d+))?(?:\\.\\d+)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)([KMGTP]?)[cn]?", Pattern.CASE_INSENSITIVE);

    private SlurmValues() {
    }

    /**
     * A duration such as {@code 2:00:00}, {@code 1-00:00:00}, {@code 01:28} (minutes and seconds), {@code 1:00}
     * or {@code 5} (minutes, as sbatch reads it); null for {@code UNLIMITED}, {@code NONE}, {@code INVALID},
     * {@code Partition_Limit}, {@code N/A} and an empty field.
     */
    static Duration parseTime(String text) {
        String t = text == null ? "" : text.trim();
        Matcher m = TIME.matcher(t);
        if (!m.matches()) {
            return null;
        }
        long days = m.group(1) == null ? 0 : Long.parseLong(m.group(1));
        long a = Long.parseLong(m.group(2));
        Long b = m.group(3) == null ? null : Long.parseLong(m.group(3));
        Long c = m.group(4) == null ? null : Long.parseLong(m.group(4));
        long seconds;
        if (c != null) {
            seconds = a * 3600 + b * 60 + c;             // H:M:S
        } else if (b != null) {
            seconds = m.group(1) != null ? a * 3600 + b * 60 : a * 60 + b; // D-H:M, or M:S
        } else {
            seconds = m.group(1) != null ? a * 3600 : a * 60; // D-H, or minutes
        }
        return Duration.ofSeconds(days * 86400 + seconds);
    }

    /** Bytes for {@code 211792K}, {@code 500M}, {@code 1.50G}, {@code 4000Mc}, {@code 0}; -1 for an empty or odd field. */
    static long parseSize(String text, char defaultUnit) {
        String t = text == null ? "" : text.trim();
        Matcher m = SIZE.matcher(t);
        if (!m.matches()) {
            return -1;
        }
        String unit = m.group(2).isEmpty() ? String.valueOf(defaultUnit) : m.group(2).toUpperCase(Locale.ROOT);
        int shift = switch (unit) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            case "P" -> 50;
            default -> 0;
        };
        return (long) (Double.parseDouble(m.group(1)) * (1L << shift));
    }

    /** Whole minutes, rounded up: Slurm's time limits count minutes, and sbatch reads a bare number as minutes. */
    static long minutesCeil(Duration d) {
        long s = d.getSeconds() + (d.getNano() > 0 ? 1 : 0);
        return (s + 59) / 60;
    }

    /** A duration the way {@code scontrol} prints it, for error messages: {@code 2:00:00}, {@code 1-00:00:00}. */
    static String format(Duration d) {
        long s = d.getSeconds();
        long days = s / 86400;
        String hours = String.format(Locale.ROOT, days > 0 ? "%02d" : "%d", (s % 86400) / 3600);
        return (days > 0 ? days + "-" : "") + hours + String.format(Locale.ROOT, ":%02d:%02d", (s % 3600) / 60, s % 60);
    }

    /** The field, or "" for Slurm's placeholders of nothing: {@code (null)}, {@code N/A}, {@code None}. */
    static String text(String field) {
        String t = field == null ? "" : field;
        return t.equals("(null)") || t.equals("N/A") || t.equals("None") ? "" : t;
    }

    /** Whether {@code indices} as Slurm prints an array's ({@code "7-999"}, {@code "1,3,5-7%2"}) holds {@code step}. */
    static boolean indicesContain(String indices, int step) {
        String list = indices.contains("%") ? indices.substring(0, indices.indexOf('%')) : indices;
        for (String part : list.split(",")) {
            String[] range = part.split("-");
            if (range.length > 2 || !range[0].matches("\\d{1,9}") || range.length == 2 && !range[1].matches("\\d{1,9}")) {
                return false;
            }
            int low = Integer.parseInt(range[0]);
            int high = range.length == 2 ? Integer.parseInt(range[1]) : low;
            if (step >= low && step <= high) {
                return true;
            }
        }
        return false;
    }
}
