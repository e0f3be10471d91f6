package dev.multiproc.slurm;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A partition's limits as {@code scontrol show partition -o} prints them; null where it has none.
 *
 * @param maxMemoryMegabytes {@code MaxMemPerNode}
 * @param maxCpusPerNode     {@code MaxCPUsPerNode}
 */
public record Partition(String name, boolean isDefault, String state, Duration maxTime, Duration defaultTime,
        Long maxMemoryMegabytes, Integer maxCpusPerNode) {

    /** Reads one line of {@code scontrol show partition -o}: {@code PartitionName=debug ... MaxTime=02:00:00 ...}. */
    static Partition parse(String line) {
        Map<String, String> f = keyValues(line);
        String name = f.get("PartitionName");
        if (name == null) {
            throw new IllegalArgumentException("not a partition line of scontrol: " + line);
        }
        return new Partition(name, "YES".equals(f.get("Default")), f.getOrDefault("State", ""),
                SlurmValues.parseTime(f.get("MaxTime")), SlurmValues.parseTime(f.get("DefaultTime")),
                number(f.get("MaxMemPerNode")), integer(f.get("MaxCPUsPerNode")));
    }

    /** The reason Slurm would keep this job pending forever (or refuse it), or null when the partition takes it. */
    String refusal(JobRequest r) {
        if (r.time() != null && maxTime != null && SlurmValues.minutesCeil(r.time()) * 60 > maxTime.getSeconds()) {
            return "job time limit " + SlurmValues.format(Duration.ofMinutes(SlurmValues.minutesCeil(r.time())))
                    + " is over partition " + name + "'s MaxTime " + SlurmValues.format(maxTime);
        }
        if (r.memoryMegabytes() != null && maxMemoryMegabytes != null && r.memoryMegabytes() > maxMemoryMegabytes) {
            return "job memory " + r.memoryMegabytes() + " MiB is over partition " + name + "'s MaxMemPerNode "
                    + maxMemoryMegabytes + " MiB";
        }
        if (r.cpusPerTask() != null && maxCpusPerNode != null && r.cpusPerTask() > maxCpusPerNode) {
            return "job cpus per task " + r.cpusPerTask() + " is over partition " + name + "'s MaxCPUsPerNode " + maxCpusPerNode;
        }
        return null;
    }

    /** Splits {@code Key=value Key2=value2} at the spaces before each key; values of partitions hold no spaces. */
    static Map<String, String> keyValues(String line) {
        Map<String, String> f = new HashMap<>();
        for (String part : line.trim().split("\\s+")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                f.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return f;
    }

    private static Long number(String v) {
        return v != null && v.matches("\\d+") ? Long.valueOf(v) : null;
    }

    private static Integer integer(String v) {
        return v != null && v.matches("\\d{1,9}") ? Integer.valueOf(v) : null;
    }
}
