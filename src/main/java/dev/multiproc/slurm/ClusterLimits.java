package dev.multiproc.slurm;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The limits a submission is checked against before sbatch sees it: the partitions ({@code scontrol show partition
 * -o}) and {@code MaxArraySize} ({@code scontrol show config}), read when first needed and again after
 * {@code maxAge}, since an administrator may change them.
 */
final class ClusterLimits {
    record Snapshot(List<Partition> partitions, int maxArraySize, long readAtNanos) {
    }

    private final Supplier<String> partitionsText;
    private final Supplier<String> configText;
    private final Duration maxAge;
    private Snapshot snapshot;

    ClusterLimits(Supplier<String> partitionsText, Supplier<String> configText, Duration maxAge) {
        this.partitionsText = partitionsText;
        this.configText = configText;
        this.maxAge = maxAge;
    }

    /** Throws an {@link IllegalArgumentException} saying why Slurm would refuse the job or keep it pending forever. */
    void check(JobRequest r) {
        Snapshot s = current();
        if (r.arraySize() > s.maxArraySize()) {
            throw new IllegalArgumentException("job array of " + r.arraySize() + " tasks is over Slurm's MaxArraySize "
                    + s.maxArraySize() + " (task ids must stay below it)");
        }
        Partition p = null;
        for (Partition candidate : s.partitions()) {
            if (r.partition() == null ? candidate.isDefault() : candidate.name().equals(r.partition())) {
                p = candidate;
            }
        }
        if (p == null && r.partition() != null) {
            throw new IllegalArgumentException("job partition '" + r.partition() + "' is unknown to Slurm (it has: "
                    + String.join(", ", s.partitions().stream().map(Partition::name).toList()) + ")");
        }
        String refusal = p == null ? null : p.refusal(r);
        if (refusal != null) {
            throw new IllegalArgumentException(refusal);
        }
    }

    List<Partition> partitions() {
        return current().partitions();
    }

    private synchronized Snapshot current() {
        if (snapshot == null || System.nanoTime() - snapshot.readAtNanos() > maxAge.toNanos()) {
            List<Partition> partitions = new ArrayList<>();
            for (String line : partitionsText.get().split("\\R")) {
                if (line.startsWith("PartitionName=")) {
                    partitions.add(Partition.parse(line));
                }
            }
            snapshot = new Snapshot(List.copyOf(partitions), maxArraySize(configText.get()), System.nanoTime());
        }
        return snapshot;
    }

    /** {@code MaxArraySize = 1001} in {@code scontrol show config}; Slurm's default when the line is missing. */
    static int maxArraySize(String config) {
        for (String line : config.split("\\R")) {
            String[] kv = line.split("=", 2);
            if (kv.length == 2 && kv[0].trim().equals("MaxArraySize") && kv[1].trim().matches("\\d{1,9}")) {
                return Integer.parseInt(kv[1].trim());
            }
        }
        return 1001;
    }
}
