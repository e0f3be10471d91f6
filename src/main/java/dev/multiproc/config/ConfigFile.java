package dev.multiproc.config;

import dev.multiproc.MultiprocessDistributor;
import dev.multiproc.OrphanPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * A {@code config.yml}: the settings of a distributor and of the command line. Every key is checked:
 * an unknown key or a bad value is an error that names the file and the key. Relative paths are
 * relative to the working directory.
 */
public final class ConfigFile {
    /** The keys, in the order the README documents them. */
    public static final Set<String> KEYS = Set.of("cluster_name", "parallelism", "journal_dir", "exit_info_size_limit", "log_dir",
            "orphan_policy", "kill_grace", "sample_interval", "max_overtakes", "worker_node_entry_point",
            "expected_jobmon_version", "watch_interval", "journal_server", "history_retention", "history_max_tasks", "sync_commits",
            "cluster", "slurm", "journal_url", "journal_credentials", "host", "adopt_host");
    /** The keys of the {@code slurm:} section. */
    public static final Set<String> SLURM_KEYS = Set.of("partition", "account", "poll_interval");

    private final String source;
    private final Map<String, Object> values;

    private ConfigFile(String source, Map<String, Object> values) {
        this.source = source;
        this.values = values;
        validate();
    }

    public static ConfigFile load(Path file) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(file.toString(), r);
        } catch (NoSuchFileException e) {
            throw new ConfigException("configuration file " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The configuration shipped in the jar: the same as the repository's {@code config.yml}. */
    public static ConfigFile defaults() {
        Map<String, Object> rendered = BuiltInConfig.rendered();
        if (rendered != null) {
            return new ConfigFile("built-in config.yml", rendered);
        }
        try (InputStream in = ConfigFile.class.getResourceAsStream("/config.yml")) {
            if (in == null) {
                return new ConfigFile("built-in defaults", new LinkedHashMap<>());
            }
            return parse("built-in config.yml", new StringReader(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new ConfigException("cannot read the built-in config.yml: " + e.getMessage(), e);
        }
    }

    public static ConfigFile parse(String source, Reader reader) {
        Object loaded;
        try {
            loaded = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        } catch (YAMLException e) {
            throw new ConfigException(source + " is not valid YAML: " + e.getMessage().replace('\n', ' '), e);
        }
        if (loaded == null) {
            return new ConfigFile(source, new LinkedHashMap<>());
        }
        if (!(loaded instanceof Map<?, ?> map)) {
            throw new ConfigException(source + " must be a mapping of keys to values, not " + loaded.getClass().getSimpleName());
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            values.put(String.valueOf(e.getKey()), e.getValue());
        }
        return new ConfigFile(source, values);
    }

    /** The values as the file has them, by key. */
    Map<String, Object> values() {
        return values;
    }

    private void validate() {
        for (String key : values.keySet()) {
            if (!KEYS.contains(key)) {
                throw new ConfigException(source + ": unknown key '" + key + "' (known keys: " + String.join(", ", new TreeSet<>(KEYS)) + ")");
            }
        }
        // parse every value once so that a bad one is reported now, not when it is first used
        clusterName();
        parallelism();
        journalDir();
        exitInfoSizeLimit();
        logDir();
        orphanPolicy();
        duration("kill_grace");
        duration("sample_interval");
        duration("watch_interval");
        maxOvertakes();
        text("worker_node_entry_point");
        text("expected_jobmon_version");
        journalServer();
        flag("sync_commits");
        duration("history_retention");
        historyMaxTasks();
        cluster();
        slurm();
        journalUrl();
        path("journal_credentials");
        hostName("host");
        hostName("adopt_host");
    }

    /** A host's name ({@code host}, {@code adopt_host}); null when the file does not say. */
    public String hostName(String key) {
        String v = text(key);
        try {
            return v == null ? null : dev.multiproc.journal.HostScope.checkName(v);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source + ": " + key + ": " + e.getMessage());
        }
    }

    /** The PostgreSQL server of the journal ({@code jdbc:postgresql://...}); null for the embedded H2 journal. */
    public String journalUrl() {
        String v = text("journal_url");
        if (v != null && !v.startsWith("jdbc:postgresql://")) {
            throw new ConfigException(source + ": journal_url must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database), got '"
                    + v + "'");
        }
        return v;
    }

    /** Under journal_url: the file (mode 0600) with the user and password of the journal's server. */
    public Path journalCredentials() {
        return path("journal_credentials");
    }

    /** {@code local} or {@code slurm}: what runs the tasks; null when the file does not say. */
    public String cluster() {
        Object v = values.get("cluster");
        if (v == null || "local".equals(v) || "slurm".equals(v)) {
            return (String) v;
        }
        throw new ConfigException(source + ": cluster must be local or slurm, got '" + v + "'");
    }

    /** The {@code slurm:} section: partition, account, poll_interval; empty when absent. */
    public Map<String, Object> slurm() {
        Object v = values.get("slurm");
        if (v == null) {
            return Map.of();
        }
        if (!(v instanceof Map<?, ?> section)) {
            throw new ConfigException(source + ": slurm must be a section of keys (" + String.join(", ", new TreeSet<>(SLURM_KEYS))
                    + "), got '" + v + "'");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : section.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (!SLURM_KEYS.contains(key)) {
                throw new ConfigException(source + ": unknown key 'slurm." + key + "' (known keys: "
                        + String.join(", ", new TreeSet<>(SLURM_KEYS)) + ")");
            }
            if (e.getValue() == null) {
                continue;
            }
            if (key.equals("poll_interval")) {
                try {
                    out.put(key, Durations.parse("slurm.poll_interval", e.getValue()));
                } catch (ConfigException ce) {
                    throw new ConfigException(source + ": " + ce.getMessage());
                }
            } else if (e.getValue() instanceof String text && text.matches("[^\\s,]+")) {
                out.put(key, text);
            } else {
                throw new ConfigException(source + ": slurm." + key + " must be one word without commas, got '" + e.getValue() + "'");
            }
        }
        return out;
    }

    public Long historyMaxTasks() {
        Object v = values.get("history_max_tasks");
        if (v == null) {
            return null;
        }
        if ((v instanceof Integer || v instanceof Long) && ((Number) v).longValue() >= 0) {
            return ((Number) v).longValue();
        }
        throw new ConfigException(source + ": history_max_tasks must be a whole number of at least 0 (0: no bound), got '" + v + "'");
    }

    public Boolean journalServer() {
        return flag("journal_server");
    }

    public Boolean syncCommits() {
        return flag("sync_commits");
    }

    private Boolean flag(String key) {
        Object v = values.get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new ConfigException(source + ": " + key + " must be true or false, got '" + v + "'");
    }

    public String source() {
        return source;
    }

    public boolean has(String key) {
        return values.get(key) != null;
    }

    public String clusterName() {
        return text("cluster_name");
    }

    public Integer parallelism() {
        return positiveInt("parallelism");
    }

    public Path journalDir() {
        return path("journal_dir");
    }

    public Integer exitInfoSizeLimit() {
        return positiveInt("exit_info_size_limit");
    }

    public Path logDir() {
        return path("log_dir");
    }

    public OrphanPolicy orphanPolicy() {
        String v = text("orphan_policy");
        if (v == null) {
            return null;
        }
        try {
            return OrphanPolicy.valueOf(v.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source + ": orphan_policy must be 'reattach' or 'kill', got '" + v + "'");
        }
    }

    public Integer maxOvertakes() {
        Object v = values.get("max_overtakes");
        if (v == null) {
            return null;
        }
        if (v instanceof Integer i && i >= 0) {
            return i;
        }
        throw new ConfigException(source + ": max_overtakes must be a whole number of at least 0, got '" + v + "'");
    }

    /** Applies every key present to {@code builder}; absent keys keep the builder's defaults. */
    public MultiprocessDistributor.Builder applyTo(MultiprocessDistributor.Builder builder) {
        if (clusterName() != null) {
            builder.clusterName(clusterName());
        }
        if (parallelism() != null) {
            builder.parallelism(parallelism());
        }
        if (journalDir() != null) {
            builder.journalDir(journalDir());
        }
        if (exitInfoSizeLimit() != null) {
            builder.exitInfoSizeLimit(exitInfoSizeLimit());
        }
        if (logDir() != null) {
            builder.logDir(logDir());
        }
        if (orphanPolicy() != null) {
            builder.orphanPolicy(orphanPolicy());
        }
        if (duration("kill_grace") != null) {
            builder.killGrace(duration("kill_grace"));
        }
        if (duration("sample_interval") != null) {
            builder.sampleInterval(duration("sample_interval"));
        }
        if (duration("watch_interval") != null) {
            builder.watchInterval(duration("watch_interval"));
        }
        if (maxOvertakes() != null) {
            builder.maxOvertakes(maxOvertakes());
        }
        if (text("worker_node_entry_point") != null) {
            builder.workerNodeEntryPoint(text("worker_node_entry_point"));
        }
        if (text("expected_jobmon_version") != null) {
            builder.expectedJobmonVersion(text("expected_jobmon_version"));
        }
        if (journalServer() != null) {
            builder.journalServer(journalServer());
        }
        if (syncCommits() != null) {
            builder.syncCommits(syncCommits());
        }
        if (duration("history_retention") != null) {
            builder.historyRetention(duration("history_retention"));
        }
        if (historyMaxTasks() != null) {
            builder.historyMaxTasks(historyMaxTasks());
        }
        if (cluster() != null) {
            builder.cluster(cluster());
        }
        if (has("journal_url")) {
            builder.journalUrl(journalUrl()).journalCredentials(journalCredentials());
        }
        if (hostName("host") != null) {
            builder.host(hostName("host"));
        }
        if (hostName("adopt_host") != null) {
            builder.adoptHost(hostName("adopt_host"));
        }
        Map<String, Object> slurm = slurm();
        if (slurm.containsKey("partition")) {
            builder.slurmPartition((String) slurm.get("partition"));
        }
        if (slurm.containsKey("account")) {
            builder.slurmAccount((String) slurm.get("account"));
        }
        if (slurm.containsKey("poll_interval")) {
            builder.slurmPollInterval((Duration) slurm.get("poll_interval"));
        }
        return builder;
    }

    private String text(String key) {
        Object v = values.get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof String s && !s.isBlank()) {
            return s;
        }
        if (v instanceof Number || v instanceof Boolean) {
            // YAML would have changed it already (3.10 reads as 3.1, 010 as 8): ask for quotes
            throw new ConfigException(source + ": " + key + " must be a string; write it in quotes, as " + key + ": \"...\"");
        }
        throw new ConfigException(source + ": " + key + " must be a non-empty string, got '" + v + "'");
    }

    private Integer positiveInt(String key) {
        Object v = values.get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof Integer i && i >= 1) {
            return i;
        }
        throw new ConfigException(source + ": " + key + " must be a whole number of at least 1, got '" + v + "'");
    }

    private Path path(String key) {
        String v = text(key);
        return v == null ? null : Path.of(v);
    }

    private Duration duration(String key) {
        Object v = values.get(key);
        if (v == null) {
            return null;
        }
        try {
            return Durations.parse(key, v);
        } catch (ConfigException e) {
            throw new ConfigException(source + ": " + e.getMessage());
        }
    }
}
