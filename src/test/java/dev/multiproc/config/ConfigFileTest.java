package dev.multiproc.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.OrphanPolicy;
import java.io.StringReader;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigFileTest {
    private static final String SOURCE = "test.yml";

    private static final String FULL = String.join("\n",
            "# every key",
            "cluster_name: local-box",
            "parallelism: 6",
            "journal_dir: /var/lib/mp/journal",
            "exit_info_size_limit: 250",
            "log_dir: logs/tasks",
            "orphan_policy: kill",
            "kill_grace: 2s",
            "sample_interval: 250ms",
            "max_overtakes: 0",
            "worker_node_entry_point: /opt/jobmon/bin/worker_node_entry_point",
            "expected_jobmon_version: 3.4.1",
            "watch_interval: 1.5",
            "journal_server: true",
            "history_retention: 30d",
            "history_max_tasks: 1000000",
            "sync_commits: false",
            "cluster: slurm",
            "slurm:",
            "  partition: debug",
            "  account: lab",
            "  poll_interval: 5s",
            "journal_url: jdbc:postgresql://db.example.org:5432/multiproc",
            "journal_credentials: /etc/multiproc/journal-credentials",
            "host: head-node-1",
            "adopt_host: head-node-0",
            "");

    @TempDir
    Path tmp;

    private static ConfigFile parse(String yaml) {
        return ConfigFile.parse(SOURCE, new StringReader(yaml));
    }

    private static ConfigException bad(String yaml) {
        return assertThrows(ConfigException.class, () -> parse(yaml), yaml);
    }

    private static void assertContains(String expectedPart, String actual) {
        assertTrue(actual != null && actual.contains(expectedPart), () -> "expected '" + expectedPart + "' in: " + actual);
    }

    // ------------------------------------------------------------------ valid files

    @Test
    void parsesAFullFile() {
        ConfigFile c = parse(FULL);
        assertEquals(SOURCE, c.source());
        assertEquals("local-box", c.clusterName());
        assertEquals(6, c.parallelism());
        assertEquals(Path.of("/var/lib/mp/journal"), c.journalDir());
        assertEquals(250, c.exitInfoSizeLimit());
        assertEquals(Path.of("logs/tasks"), c.logDir());
        assertEquals(OrphanPolicy.KILL, c.orphanPolicy());
        assertEquals(0, c.maxOvertakes());
        for (String key : ConfigFile.KEYS) {
            assertTrue(c.has(key), key);
        }
        assertEquals(Boolean.TRUE, c.journalServer());
        assertEquals(22, ConfigFile.KEYS.size());
        assertEquals("head-node-1", c.hostName("host"));
        assertEquals("head-node-0", c.hostName("adopt_host"));
        assertEquals("jdbc:postgresql://db.example.org:5432/multiproc", c.journalUrl());
        assertEquals(Path.of("/etc/multiproc/journal-credentials"), c.journalCredentials());
        assertEquals("slurm", c.cluster());
        assertEquals(Map.of("partition", "debug", "account", "lab", "poll_interval", java.time.Duration.ofSeconds(5)), c.slurm());
        assertEquals(Boolean.FALSE, c.syncCommits());
    }

    @Test
    void orphanPolicyIgnoresCase() {
        assertEquals(OrphanPolicy.REATTACH, parse("orphan_policy: reattach").orphanPolicy());
        assertEquals(OrphanPolicy.REATTACH, parse("orphan_policy: REATTACH").orphanPolicy());
        assertEquals(OrphanPolicy.KILL, parse("orphan_policy: ' Kill '").orphanPolicy());
    }

    @Test
    void absentAndNullKeysAreNull() {
        ConfigFile c = parse("parallelism: 2\nlog_dir:\n");
        assertEquals(2, c.parallelism());
        assertFalse(c.has("log_dir"));
        assertNull(c.logDir());
        assertNull(c.clusterName());
        assertNull(c.journalDir());
        assertNull(c.exitInfoSizeLimit());
        assertNull(c.orphanPolicy());
        assertNull(c.maxOvertakes());
        assertFalse(c.has("kill_grace"));
    }

    @Test
    void aJournalUrlOfAnotherDatabaseIsRefusedNamingTheKey() {
        assertContains("journal_url must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database), got 'jdbc:mysql://db/x'",
                bad("journal_url: jdbc:mysql://db/x\n").getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\n\n", "# only a comment\n", "---\n", "~"})
    void emptyFileIsValid(String yaml) {
        ConfigFile c = parse(yaml);
        for (String key : ConfigFile.KEYS) {
            assertFalse(c.has(key), key);
        }
        assertNull(c.parallelism());
        assertNull(c.clusterName());
        assertNull(c.orphanPolicy());
    }

    @Test
    void loadsAFile() throws Exception {
        Path file = tmp.resolve("config.yml");
        Files.writeString(file, FULL);
        ConfigFile c = ConfigFile.load(file);
        assertEquals(file.toString(), c.source());
        assertEquals("local-box", c.clusterName());
        assertEquals(6, c.parallelism());
    }

    @Test
    void missingFileIsAConfigError() {
        Path missing = tmp.resolve("nope.yml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.load(missing));
        assertContains(missing.toString(), e.getMessage());
    }

    // ------------------------------------------------------------------ errors

    @Test
    void unknownKeyIsNamed() {
        ConfigException e = bad("parallelism: 2\nparalelism: 3\n");
        assertContains("'paralelism'", e.getMessage());
        assertContains(SOURCE, e.getMessage());
        assertContains("unknown key", e.getMessage());
    }

    @Test
    void nestedOrNumericKeysAreUnknown() {
        assertContains("'distributor'", bad("distributor:\n  parallelism: 2\n").getMessage());
        assertContains("'3'", bad("3: three\n").getMessage());
    }

    @Test
    void badValuesNameTheKey() {
        String[][] cases = {
            {"parallelism: 0", "parallelism"},
            {"parallelism: -2", "parallelism"},
            {"parallelism: \"abc\"", "parallelism"},
            {"parallelism: abc", "parallelism"},
            {"parallelism: 2.5", "parallelism"},
            {"parallelism: true", "parallelism"},
            {"parallelism: [1, 2]", "parallelism"},
            {"parallelism: 99999999999", "parallelism"},
            {"orphan_policy: maybe", "orphan_policy"},
            {"orphan_policy: ''", "orphan_policy"},
            {"orphan_policy: [kill]", "orphan_policy"},
            {"kill_grace: \"soon\"", "kill_grace"},
            {"kill_grace: 0", "kill_grace"},
            {"kill_grace: -1s", "kill_grace"},
            {"kill_grace: 5 days", "kill_grace"},
            {"kill_grace: true", "kill_grace"},
            {"sample_interval: 0ms", "sample_interval"},
            {"watch_interval: fast", "watch_interval"},
            {"exit_info_size_limit: -1", "exit_info_size_limit"},
            {"exit_info_size_limit: 0", "exit_info_size_limit"},
            {"cluster: pbs", "cluster must be local or slurm"},
            {"slurm: debug", "slurm must be a section"},
            {"slurm: {queue: debug}", "unknown key 'slurm.queue'"},
            {"slurm: {partition: 'a b'}", "slurm.partition"},
            {"slurm: {poll_interval: soon}", "slurm.poll_interval"},
            {"max_overtakes: -1", "max_overtakes"},
            {"max_overtakes: lots", "max_overtakes"},
            {"cluster_name: ''", "cluster_name"},
            {"cluster_name: '   '", "cluster_name"},
            {"cluster_name: [a, b]", "cluster_name"},
            {"journal_dir: {a: b}", "journal_dir"},
            {"log_dir: ''", "log_dir"},
            {"worker_node_entry_point: []", "worker_node_entry_point"},
            {"worker_node_entry_point: ''", "worker_node_entry_point"},
            {"worker_node_entry_point: 3", "worker_node_entry_point"},
            {"expected_jobmon_version: ''", "expected_jobmon_version"},
        };
        for (String[] c : cases) {
            ConfigException e = bad(c[0]);
            assertContains(c[1], e.getMessage());
            assertContains(SOURCE, e.getMessage());
        }
    }

    @Test
    void aListIsNotAConfiguration() {
        ConfigException e = bad("- parallelism: 2\n- log_dir: x\n");
        assertContains(SOURCE, e.getMessage());
        assertContains("mapping", e.getMessage());
        assertContains("mapping", bad("just a string").getMessage());
        assertContains("mapping", bad("42").getMessage());
    }

    @Test
    void invalidYamlIsAnError() {
        for (String yaml : List.of("parallelism: [1, 2", "a: b: c", "\"unterminated", "{a: 1",
                "parallelism: 2\n\tlog_dir: x\n")) {
            ConfigException e = bad(yaml);
            assertContains(SOURCE, e.getMessage());
            assertContains("YAML", e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "message is one line: " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ defaults

    @Test
    void builtInDefaultsAreTheRepositoryConfig() {
        ConfigFile d = ConfigFile.defaults();
        assertEquals("built-in config.yml", d.source(), "config.yml is packaged on the classpath");
        ConfigFile repo = ConfigFile.load(Path.of("config.yml"));
        assertEquals(repo.clusterName(), d.clusterName());
        assertEquals(repo.parallelism(), d.parallelism());
        assertEquals(repo.journalDir(), d.journalDir());
        assertEquals(repo.exitInfoSizeLimit(), d.exitInfoSizeLimit());
        assertEquals(repo.logDir(), d.logDir());
        assertEquals(repo.orphanPolicy(), d.orphanPolicy());
        assertEquals(repo.maxOvertakes(), d.maxOvertakes());
        for (String key : ConfigFile.KEYS) {
            assertEquals(repo.has(key), d.has(key), key);
        }
        // the documented defaults
        assertTrue(d.has("cluster_name"));
        assertTrue(d.has("parallelism"));
        assertTrue(d.parallelism() >= 1);
    }

    // ------------------------------------------------------------------ applyTo

    @Test
    void applyToPassesEveryValue() throws Exception {
        MultiprocessDistributor.Builder b = MultiprocessDistributor.builder();
        assertSame(b, parse(FULL).applyTo(b));
        assertEquals("local-box", field(b, "clusterName"));
        assertEquals(6, field(b, "parallelism"));
        assertEquals(Path.of("/var/lib/mp/journal"), field(b, "journalDir"));
        assertEquals(250, field(b, "exitInfoSizeLimit"));
        assertEquals(Path.of("logs/tasks"), field(b, "logDir"));
        assertEquals(OrphanPolicy.KILL, field(b, "orphanPolicy"));
        assertEquals(Duration.ofSeconds(2), field(b, "killGrace"));
        assertEquals(Duration.ofMillis(250), field(b, "sampleInterval"));
        assertEquals(0, field(b, "maxOvertakes"));
        assertEquals("/opt/jobmon/bin/worker_node_entry_point", field(b, "workerNodeEntryPoint"));
        assertEquals("3.4.1", field(b, "expectedJobmonVersion"));
        assertEquals(Duration.ofMillis(1500), field(b, "watchInterval"));
    }

    @Test
    void applyToKeepsDefaultsForAbsentKeys() throws Exception {
        MultiprocessDistributor.Builder fresh = MultiprocessDistributor.builder();
        MultiprocessDistributor.Builder b = parse("parallelism: 3").applyTo(MultiprocessDistributor.builder());
        assertEquals(3, field(b, "parallelism"));
        for (String name : List.of("clusterName", "journalDir", "exitInfoSizeLimit", "logDir", "orphanPolicy", "killGrace",
                "sampleInterval", "maxOvertakes", "workerNodeEntryPoint", "expectedJobmonVersion", "watchInterval")) {
            assertEquals(field(fresh, name), field(b, name), name);
        }
    }

    @Test
    void numericVersionIsNotSilentlyChanged() throws Exception {
        ConfigFile c;
        try {
            c = parse("expected_jobmon_version: 3.10");
        } catch (ConfigException e) {
            assertContains("expected_jobmon_version", e.getMessage());
            return;
        }
        MultiprocessDistributor.Builder b = c.applyTo(MultiprocessDistributor.builder());
        assertEquals("3.10", field(b, "expectedJobmonVersion"));
    }

    /** Reads a builder setting; the builder exposes none, and building would open a journal. */
    private static Object field(MultiprocessDistributor.Builder b, String name) throws Exception {
        Field f = MultiprocessDistributor.Builder.class.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(b);
    }
}
