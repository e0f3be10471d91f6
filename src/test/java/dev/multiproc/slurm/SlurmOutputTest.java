package dev.multiproc.slurm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The parsers of squeue's and sacct's output, on output as Slurm 22.05 prints it (taken from the test cluster). */
class SlurmOutputTest {
    private static final String F = "\u001f";
    private static final String R = "\u001e\n";

    private static String squeueRecord(String... fields) {
        return String.join(F, fields) + R;
    }

    @Test
    void squeueRecordsKeepNamesWithSpacesPipesAndUnicodeWhole() {
        String out = squeueRecord("1_0", "3", "1", "0", "RUNNING", "None", "0", "2:00:00", "0:02", "a b|c ü, d=e", "com x,y")
                + squeueRecord("1_4", "1", "1", "4", "PENDING", "Priority", "0", "2:00:00", "0:00", "a b|c ü, d=e", "com x,y")
                + squeueRecord("29", "29", "29", "N/A", "FAILED", "NonZeroExitCode", "768", "1:00", "0:02", "x y", "(null)")
                + squeueRecord("2", "2", "2", "N/A", "CANCELLED", "None", "15", "UNLIMITED", "1-02:03:04", "", "(null)");
        List<QueuedJob> jobs = SqueueOutput.parse(out);
        assertEquals(4, jobs.size());

        QueuedJob task = jobs.get(0);
        assertEquals("1_0", task.id());
        assertEquals(3, task.jobId());
        assertEquals(1L, task.arrayJobId());
        assertEquals(0, task.arrayTaskId());
        assertEquals(JobState.RUNNING, task.state());
        assertEquals("", task.reason(), "None is no reason");
        assertEquals("a b|c ü, d=e", task.name());
        assertEquals("com x,y", task.comment());
        assertEquals(Duration.ofHours(2), task.timeLimit());
        assertEquals(Duration.ofSeconds(2), task.timeUsed());

        assertEquals("Priority", jobs.get(1).reason());
        assertFalse(jobs.get(1).isPendingForever());

        QueuedJob failed = jobs.get(2);
        assertNull(failed.arrayJobId());
        assertNull(failed.arrayTaskId());
        assertEquals(3, failed.exitCode());
        assertEquals(0, failed.signal());
        assertEquals("", failed.comment(), "(null) is no comment");
        assertEquals(Duration.ofMinutes(1), failed.timeLimit(), "squeue prints one minute as 1:00");

        QueuedJob cancelled = jobs.get(3);
        assertEquals(15, cancelled.signal());
        assertEquals(0, cancelled.exitCode());
        assertNull(cancelled.timeLimit());
        assertEquals(Duration.ofSeconds(93784), cancelled.timeUsed());
        assertEquals("", cancelled.name(), "an empty field stays empty");
    }

    @Test
    void aSqueueRecordWithTheWrongNumberOfFieldsIsSkippedNotFatal() {
        String out = squeueRecord("5", "5", "5", "N/A", "RUNNING", "None", "0", "1:00", "0:01", "odd" + F + "name", "")
                + squeueRecord("6", "6", "6", "N/A", "RUNNING", "None", "0", "1:00", "0:01", "fine", "");
        List<QueuedJob> jobs = SqueueOutput.parse(out);
        assertEquals(List.of("6"), jobs.stream().map(QueuedJob::id).toList());
    }

    @Test
    void pendingReasonsThatNeverClear() {
        for (String reason : List.of("BadConstraints", "PartitionTimeLimit", "PartitionConfig", "JobLaunchFailure",
                "ReqNodeNotAvail, UnavailableNodes:n1")) {
            assertTrue(pending(reason).isPendingForever(), reason);
        }
        for (String reason : List.of("Priority", "Resources", "", "BeginTime", "Dependency")) {
            assertFalse(pending(reason).isPendingForever(), reason);
        }
        QueuedJob running = new QueuedJob("7", 7, null, null, JobState.RUNNING, "RUNNING", "BadConstraints", 0, null, null, "", "");
        assertFalse(running.isPendingForever(), "only a pending job waits forever");
    }

    private static QueuedJob pending(String reason) {
        return new QueuedJob("7", 7, null, null, JobState.PENDING, "PENDING", reason, 0, null, null, "", "");
    }

    private static String sacctLine(String... fields) {
        return String.join(F, fields) + "\n";
    }

    @Test
    void sacctStepsFoldIntoTheirJobWithTheLargestResidentSet() {
        String out = sacctLine("28", "28", "COMPLETED", "0:0", "None", "", "500M", "02:00:00", "00:00:06", "rss job", "")
                + sacctLine("28.batch", "28.batch", "COMPLETED", "0:0", "", "211792K", "", "", "00:00:06", "batch", "")
                + sacctLine("28.extern", "28.extern", "COMPLETED", "0:0", "", "92K", "", "", "00:00:06", "extern", "")
                + sacctLine("1_4", "1", "CANCELLED by 0", "0:0", "None", "", "100M", "02:00:00", "00:00:02", "a b|c ü", "com x,y")
                + sacctLine("1_4.batch", "1.batch", "CANCELLED", "0:15", "", "0", "", "", "00:00:02", "batch", "")
                + sacctLine("2", "2", "OUT_OF_MEMORY", "0:125", "None", "", "50M", "UNLIMITED", "00:00:02", "oom", "")
                + sacctLine("3", "3", "FAILED", "3:0", "NonZeroExitCode", "", "1.50G", "Partition_Limit", "", "x", "")
                + sacctLine("4_[0-4]", "4", "PENDING", "0:0", "Priority", "", "100M", "00:01:00", "00:00:00", "pend", "");
        Map<String, JobAccounting> jobs = SacctOutput.parse(out);
        assertEquals(List.of("28", "1_4", "2", "3", "4_[0-4]"), List.copyOf(jobs.keySet()));

        JobAccounting rss = jobs.get("28");
        assertEquals(211792L * 1024, rss.maxRssBytes());
        assertEquals(500L << 20, rss.requestedMemoryBytes());
        assertEquals(Duration.ofSeconds(6), rss.elapsed());
        assertEquals("rss job", rss.name());
        assertEquals(JobAccounting.Source.ACCOUNTING, rss.source());

        JobAccounting task = jobs.get("1_4");
        assertEquals(1, task.jobId(), "the last task of an array keeps the array's job id");
        assertEquals(JobState.CANCELLED, task.state());
        assertEquals("CANCELLED by 0", task.stateText());
        assertEquals("com x,y", task.comment());
        assertEquals(0, task.maxRssBytes());

        JobAccounting oom = jobs.get("2");
        assertEquals(JobState.OUT_OF_MEMORY, oom.state());
        assertEquals(125, oom.signal());
        assertEquals(-1, oom.maxRssBytes(), "no step line, no resident set");
        assertNull(oom.timeLimit());

        JobAccounting failed = jobs.get("3");
        assertEquals(3, failed.exitCode());
        assertEquals("NonZeroExitCode", failed.reason());
        assertEquals((long) (1.5 * (1L << 30)), failed.requestedMemoryBytes());
        assertNull(failed.elapsed(), "an empty field is unknown");

        assertEquals(JobState.PENDING, jobs.get("4_[0-4]").state());
    }

    @Test
    void theControllersViewStandsInForAccountingItsWaitStatusSplit() {
        QueuedJob failed = SqueueOutput.parse(squeueRecord("29", "29", "29", "N/A", "FAILED", "NonZeroExitCode", "768", "1:00",
                "0:02", "x y", "c")).get(0);
        JobAccounting a = JobAccounting.of(failed);
        assertEquals(List.of("29", 3, 0, JobState.FAILED, "NonZeroExitCode", -1L, "x y", "c", JobAccounting.Source.CONTROLLER),
                List.of(a.id(), a.exitCode(), a.signal(), a.state(), a.reason(), a.maxRssBytes(), a.name(), a.comment(), a.source()));
        QueuedJob killed = SqueueOutput.parse(squeueRecord("30", "30", "30", "N/A", "FAILED", "None", "9", "1:00", "0:00", "k", ""))
                .get(0);
        assertEquals(9, JobAccounting.of(killed).signal());
        assertEquals(0, JobAccounting.of(killed).exitCode());
    }

    @Test
    void aSacctLineWithTheWrongNumberOfFieldsIsSkipped() {
        String out = "9" + F + "9" + F + "RUNNING\n" + sacctLine("10", "10", "RUNNING", "0:0", "None", "", "1G", "1:00", "0:01", "n", "");
        assertEquals(List.of("10"), List.copyOf(SacctOutput.parse(out).keySet()));
    }

    @Test
    void statesAsSlurmPrintsThem() {
        assertEquals(JobState.CANCELLED, JobState.parse("CANCELLED by 1000"));
        assertEquals(JobState.CANCELLED, JobState.parse("CANCELLED+"));
        assertEquals(JobState.OUT_OF_MEMORY, JobState.parse("OUT_OF_MEMORY"));
        assertEquals(JobState.NODE_FAIL, JobState.parse("NODE_FAIL"));
        assertEquals(JobState.UNKNOWN, JobState.parse("SOMETHING_NEW"));
        assertTrue(JobState.TIMEOUT.isFinished());
        assertFalse(JobState.COMPLETING.isFinished());
    }

    @Test
    void timesAndSizesAsSlurmPrintsThem() {
        assertEquals(Duration.ofHours(2), SlurmValues.parseTime("02:00:00"));
        assertEquals(Duration.ofHours(2), SlurmValues.parseTime("2:00:00"));
        assertEquals(Duration.ofSeconds(88), SlurmValues.parseTime("01:28"));
        assertEquals(Duration.ofDays(1), SlurmValues.parseTime("1-00:00:00"));
        assertEquals(Duration.ofMinutes(5), SlurmValues.parseTime("5"));
        assertEquals(Duration.ofHours(26).plusMinutes(30), SlurmValues.parseTime("1-2:30"));
        for (String none : new String[] {"UNLIMITED", "NONE", "INVALID", "Partition_Limit", "", "N/A"}) {
            assertNull(SlurmValues.parseTime(none), none);
        }
        assertEquals(211792L << 10, SlurmValues.parseSize("211792K", 'K'));
        assertEquals(4000L << 20, SlurmValues.parseSize("4000Mc", 'M'));
        assertEquals(0, SlurmValues.parseSize("0", 'K'));
        assertEquals(-1, SlurmValues.parseSize("", 'K'));
        assertEquals(1, SlurmValues.minutesCeil(Duration.ofSeconds(1)));
        assertEquals(2, SlurmValues.minutesCeil(Duration.ofSeconds(61)));
        assertEquals(120, SlurmValues.minutesCeil(Duration.ofHours(2)));
        assertEquals("1-00:00:00", SlurmValues.format(Duration.ofDays(1)));
    }

    @Test
    void partitionLimitsFromScontrol() {
        Partition p = Partition.parse("PartitionName=debug AllowGroups=ALL Default=YES DefaultTime=NONE MaxNodes=UNLIMITED "
                + "MaxTime=02:00:00 MaxCPUsPerNode=4 State=UP TotalCPUs=8 MaxMemPerNode=2000 TRES=cpu=8,mem=4000M,node=1");
        assertEquals("debug", p.name());
        assertTrue(p.isDefault());
        assertEquals(Duration.ofHours(2), p.maxTime());
        assertNull(p.defaultTime());
        assertEquals(2000L, p.maxMemoryMegabytes());
        assertEquals(4, p.maxCpusPerNode());
        assertEquals(1001, ClusterLimits.maxArraySize("MailProg = /bin/true\nMaxJobCount = 10000\n"));
        assertEquals(50, ClusterLimits.maxArraySize("MaxArraySize            = 50\n"));
    }

    @Test
    void arrayIndicesAsSlurmPrintsThemSayWhichStepsTheyHold() {
        org.junit.jupiter.api.Assertions.assertTrue(SlurmValues.indicesContain("7-999", 7));
        org.junit.jupiter.api.Assertions.assertTrue(SlurmValues.indicesContain("1,3,5-7%2", 6));
        org.junit.jupiter.api.Assertions.assertFalse(SlurmValues.indicesContain("1,3,5-7%2", 4));
        org.junit.jupiter.api.Assertions.assertFalse(SlurmValues.indicesContain("7-999", 1000));
        org.junit.jupiter.api.Assertions.assertFalse(SlurmValues.indicesContain("x-1", 0));
    }
}
