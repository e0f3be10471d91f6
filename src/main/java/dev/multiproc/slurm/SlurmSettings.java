package dev.multiproc.slurm;

import java.time.Duration;
import java.util.Map;

/**
 * How a host runs its tasks as Slurm jobs ({@code cluster: slurm}).
 *
 * @param partition    {@code --partition} of every job whose task requests no {@code queue}; null: Slurm's default
 * @param account      {@code --account} of every job whose task requests no {@code project}; null: the user's default
 * @param pollInterval how often one {@code squeue} asks for the state of every active job
 * @param environment  what the Slurm commands see besides this process's environment ({@code SLURM_CONF}...)
 */
public record SlurmSettings(String partition, String account, Duration pollInterval, Map<String, String> environment) {
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(2);

    public SlurmSettings {
        if (pollInterval == null || pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("slurm poll interval must be a positive duration, got " + pollInterval);
        }
        if (partition != null && !partition.matches("[^\\s,]+")) {
            throw new IllegalArgumentException("slurm partition must be one word without commas, got '" + partition + "'");
        }
        if (account != null && !account.matches("[^\\s,]+")) {
            throw new IllegalArgumentException("slurm account must be one word without commas, got '" + account + "'");
        }
        environment = environment == null ? Map.of() : Map.copyOf(environment);
    }

    public static SlurmSettings defaults() {
        return new SlurmSettings(null, null, DEFAULT_POLL_INTERVAL, Map.of());
    }

    /** The client of Slurm's tools these settings describe. */
    public SlurmCommands commands() {
        return SlurmCommands.builder().environment(environment).build();
    }
}
