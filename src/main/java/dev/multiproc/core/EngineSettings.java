package dev.multiproc.core;

import dev.multiproc.OrphanPolicy;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The settings of a distributor, validated by its builder.
 *
 * @param launcherBinary       the launcher program ({@code mpagent}); null installs the one bundled in the jar
 * @param workerNodeEntryPoint the program a task runs to become a Jobmon worker node; returned as given
 * @param journalServer        serve the journal to other local processes while this host holds it
 * @param historyRetention     finished tasks submitted longer ago are pruned; null keeps them
 * @param historyMaxTasks      at most this many tasks are kept (the newest); 0 for no bound
 * @param syncCommits          flush each commit's redo record to the disk before it is acknowledged (survives a power cut)
 * @param slurm                run tasks as Slurm jobs with these settings ({@code cluster: slurm}); null runs them as local processes
 * @param postgres             keep the journal on this PostgreSQL server ({@code journal_url}); null keeps it in H2 in {@code journalDir}
 * @param host                 this host's name in the journal (config {@code host}; by default the machine's name)
 * @param adoptHost            on PostgreSQL: the name of a host gone for good whose tasks this one takes over; null for none
 */
public record EngineSettings(String clusterName, int parallelism, Path journalDir, int exitInfoSizeLimit, Path logDir,
        OrphanPolicy orphanPolicy, Duration killGrace, Duration sampleInterval, int maxOvertakes, Path launcherBinary,
        String workerNodeEntryPoint, String expectedJobmonVersion, Duration watchInterval, boolean journalServer,
        Duration historyRetention, long historyMaxTasks, Duration retentionCheckInterval, boolean syncCommits,
        dev.multiproc.slurm.SlurmSettings slurm, dev.multiproc.journal.PostgresJournalSettings postgres, String host,
        String adoptHost) {

    /** {@code local} or {@code slurm}: what runs the tasks. */
    public String cluster() {
        return slurm == null ? "local" : "slurm";
    }
}
