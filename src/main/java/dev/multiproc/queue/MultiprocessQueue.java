package dev.multiproc.queue;

import dev.multiproc.core.Resources;

import dev.multiproc.cluster.ClusterQueue;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The queue of the local machine. Its parameters bound {@code cores}, {@code memory} and {@code runtime}
 * as {@code [min, max]} pairs (a list, or Jobmon's tuple text {@code "(1, 20)"}); memory bounds are
 * written like requests ({@code "512M"}, or GiB), runtime bounds in seconds or like requests. Bounds
 * not given come from the machine: cores 1 to its processors, memory up to its physical memory,
 * runtime without a maximum.
 */
public final class MultiprocessQueue implements ClusterQueue {
    private final int queueId;
    private final String queueName;
    private final Map<String, Object> parameters;
    private final Range cores;
    private final Range memory;
    private final Range runtime;

    public MultiprocessQueue(int queueId, String queueName, Map<String, Object> parameters) {
        this.queueId = queueId;
        this.queueName = queueName == null ? "null.q" : queueName;
        this.parameters = parameters == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        this.cores = range("cores", this.parameters.get("cores"), new Range(1, Runtime.getRuntime().availableProcessors()),
                Resources::parseCores);
        this.memory = range("memory", this.parameters.get("memory"), new Range(1, physicalMemoryBytes()), Resources::parseMemory);
        this.runtime = range("runtime", this.parameters.get("runtime"), new Range(1, Long.MAX_VALUE), Resources::parseRuntime);
    }

    @Override
    public int queueId() {
        return queueId;
    }

    @Override
    public String queueName() {
        return queueName;
    }

    @Override
    public Map<String, Object> parameters() {
        return parameters;
    }

    @Override
    public List<String> requiredResources() {
        return List.of();
    }

    /** The inclusive bounds of cores on this queue. */
    public Range coresRange() {
        return cores;
    }

    public Range memoryRange() {
        return memory;
    }

    public Range runtimeRange() {
        return runtime;
    }

    @Override
    public ValidationResult validateResources(boolean strict, Map<String, Object> resources) {
        Resources r;
        try {
            r = Resources.parse(resources);
        } catch (IllegalArgumentException e) {
            return new ValidationResult(false, "ResourceError: " + e.getMessage());
        }
        List<String> problems = new ArrayList<>();
        Object givenCores = resources == null ? null : resources.get("cores");
        if (givenCores == null) {
            problems.add("Cores not provided, setting to " + queueName + " minimum of " + cores.min());
        } else {
            check(problems, "cores", r.cores(), cores, Long::toString);
        }
        if (r.memoryBytes() != null) {
            check(problems, "memory", r.memoryBytes(), memory, MultiprocessQueue::bytes);
        }
        if (r.runtimeSeconds() != null) {
            check(problems, "runtime", r.runtimeSeconds(), runtime, s -> s + "s");
        }
        boolean valid = !strict || problems.isEmpty();
        return new ValidationResult(valid, String.join("; ", problems));
    }

    @Override
    public Map<String, Object> coerceResources(Map<String, Object> resources) {
        Resources r = Resources.parse(resources);
        Map<String, Object> out = new LinkedHashMap<>(resources == null ? Map.of() : resources);
        out.putAll(new Resources((int) cores.clamp(r.cores()),
                r.memoryBytes() == null ? null : memory.clamp(r.memoryBytes()),
                r.runtimeSeconds() == null ? null : runtime.clamp(r.runtimeSeconds()),
                r.queue(), r.project(), r.stdoutDir(), r.stderrDir()).toMap());
        return out;
    }

    private void check(List<String> problems, String key, long value, Range range, java.util.function.LongFunction<String> show) {
        if (value > range.max()) {
            problems.add("ResourceError: provided " + key + " " + show.apply(value) + " exceeds queue limit of " + show.apply(range.max())
                    + " for queue " + queueName + " (clamped to " + show.apply(range.max()) + ")");
        } else if (value < range.min()) {
            problems.add("ResourceError: provided " + key + " " + show.apply(value) + " is below queue minimum of "
                    + show.apply(range.min()) + " for queue " + queueName + " (clamped to " + show.apply(range.min()) + ")");
        }
    }

    private static Range range(String key, Object given, Range fallback, java.util.function.ToLongFunction<Object> parse) {
        if (given == null) {
            return fallback;
        }
        List<Object> pair = pair(key, given);
        try {
            long min = parse.applyAsLong(pair.get(0));
            long max = parse.applyAsLong(pair.get(1));
            if (min > max) {
                throw new IllegalArgumentException("queue parameter '" + key + "' has min " + pair.get(0) + " above max " + pair.get(1));
            }
            return new Range(min, max);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("queue parameter '" + key + "' is not a valid [min, max] pair: " + e.getMessage(), e);
        }
    }

    private static List<Object> pair(String key, Object given) {
        if (given instanceof List<?> list && list.size() == 2) {
            return new ArrayList<>(list);
        }
        if (given instanceof Object[] array && array.length == 2) {
            return List.of(array[0], array[1]);
        }
        if (given instanceof String s) {
            String t = s.trim();
            if ((t.startsWith("(") && t.endsWith(")")) || (t.startsWith("[") && t.endsWith("]"))) {
                String[] parts = t.substring(1, t.length() - 1).split(",");
                if (parts.length == 2) {
                    return List.of(literal(parts[0]), literal(parts[1]));
                }
            }
        }
        throw new IllegalArgumentException("queue parameter '" + key + "' must be a [min, max] pair, got " + given);
    }

    private static Object literal(String text) {
        String t = text.trim();
        if (t.length() >= 2 && (t.startsWith("'") && t.endsWith("'") || t.startsWith("\"") && t.endsWith("\""))) {
            return t.substring(1, t.length() - 1);
        }
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            return t;
        }
    }

    static String bytes(long b) {
        if (b % (1L << 30) == 0) {
            return (b >> 30) + "G";
        }
        if (b % (1L << 20) == 0) {
            return (b >> 20) + "M";
        }
        return b + "B";
    }

    static long physicalMemoryBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return Long.MAX_VALUE;
    }

    /** Inclusive bounds. */
    public record Range(long min, long max) {
        long clamp(long v) {
            return Math.max(min, Math.min(max, v));
        }
    }
}
