package dev.multiproc.journal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * Proves, without loading Flyway, that a journal's schema history is exactly this version's migrations, every
 * one applied with success and unchanged: then there is nothing to migrate and nothing Flyway's validation
 * would refuse, and opening the journal skips Flyway (most of the start-up of a host). Anything else (a new
 * journal, a migration pending, a newer schema, a failed or changed migration, a history row of another kind)
 * is left to Flyway, which migrates or refuses it with its reasons.
 *
 * <p>This version's migrations for H2 are the files named in {@code db/migration.index} (as {@code migration/V1__x.sql}
 * or {@code h2/V2__y.sql}), which the build writes from {@code db/migration} and {@code db/h2}; their checksums are
 * computed as Flyway computes them (a CRC-32 of the UTF-8 bytes of
 * each line, without its line break nor, on the first line, a byte-order mark). {@code SchemaHistoryCheckTest}
 * checks both against Flyway's own reading of the migrations.
 */
final class SchemaHistoryCheck {
    static final String INDEX = "/db/migration.index";
    private static final Pattern VERSIONED = Pattern.compile("V(\\d+(?:[._]\\d+)*)__(.+)\\.sql");

    /** One migration as Flyway's schema history records it once applied. */
    record Migration(String version, String description, String script, int checksum) {
        // written out: a record's generated equals and hashCode are bootstrapped through method handles at first
        // call, which took 18 ms of every host's start
        @Override
        public boolean equals(Object o) {
            return o instanceof Migration m && java.util.Objects.equals(version, m.version)
                    && java.util.Objects.equals(description, m.description) && java.util.Objects.equals(script, m.script)
                    && checksum == m.checksum;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(version, description, script, checksum);
        }
    }

    /** A system property: when true, every open asks Flyway, as before this check (for tests). */
    static final String ALWAYS_FLYWAY = "multiproc.journal.alwaysFlyway";

    private SchemaHistoryCheck() {
    }

    /** The schema version when the journal behind {@code ds} holds exactly this version's migrations, all applied. */
    static Optional<String> appliedExactly(javax.sql.DataSource ds) {
        if (Boolean.getBoolean(ALWAYS_FLYWAY)) {
            return Optional.empty();
        }
        try (Connection c = ds.getConnection()) {
            return SchemaHistoryCheck.versionIfExactlyApplied(c, SchemaHistoryCheck.bundled());
        } catch (SQLException e) {
            return Optional.empty();
        }
    }

    /**
     * The schema version of the journal behind {@code c} when its history is exactly {@code bundled}, every
     * migration applied with success; empty when anything differs or cannot be read (Flyway decides then).
     */
    static Optional<String> versionIfExactlyApplied(Connection c, List<Migration> bundled) {
        if (bundled.isEmpty()) {
            return Optional.empty();
        }
        List<Migration> applied = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            try (ResultSet t = s.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES "
                    + "WHERE TABLE_SCHEMA = 'PUBLIC' AND TABLE_NAME = 'flyway_schema_history'")) {
                if (!t.next() || t.getLong(1) == 0) {
                    return Optional.empty();
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT \"version\", \"description\", \"type\", \"script\", \"checksum\", \"success\" "
                    + "FROM \"flyway_schema_history\" ORDER BY \"installed_rank\"")) {
                while (rs.next()) {
                    if ("TABLE".equals(rs.getString(3)) && rs.getString(1) == null && rs.getBoolean(6)) {
                        continue; // Flyway's record of creating its history table
                    }
                    int checksum = rs.getInt(5);
                    boolean noChecksum = rs.wasNull();
                    if (!"SQL".equals(rs.getString(3)) || !rs.getBoolean(6) || noChecksum) {
                        return Optional.empty();
                    }
                    applied.add(new Migration(rs.getString(1), rs.getString(2), rs.getString(4), checksum));
                }
            }
        } catch (SQLException e) {
            return Optional.empty();
        }
        return applied.equals(bundled) ? Optional.of(bundled.get(bundled.size() - 1).version()) : Optional.empty();
    }

    /**
     * This version's migrations, oldest first; empty (which leaves every decision to Flyway) when the index is
     * missing or names a file that is not a versioned SQL migration or cannot be read.
     */
    static List<Migration> bundled() {
        List<Migration> migrations = new ArrayList<>();
        try (InputStream index = SchemaHistoryCheck.class.getResourceAsStream(INDEX)) {
            if (index == null) {
                return List.of();
            }
            for (String name : new String(index.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (name.isBlank()) {
                    continue;
                }
                String path = name.strip();
                Matcher m = VERSIONED.matcher(path.substring(path.lastIndexOf('/') + 1));
                if (!m.matches() || !(path.startsWith("migration/") || path.startsWith("h2/"))) {
                    return List.of();
                }
                Integer checksum = checksum("/db/" + path);
                if (checksum == null) {
                    return List.of();
                }
                migrations.add(new Migration(m.group(1).replace('_', '.'), m.group(2).replace('_', ' '), m.group(), checksum));
            }
        } catch (IOException e) {
            return List.of();
        }
        migrations.sort((a, b) -> compareVersions(a.version(), b.version()));
        return List.copyOf(migrations);
    }

    private static Integer checksum(String resource) throws IOException {
        try (InputStream in = SchemaHistoryCheck.class.getResourceAsStream(resource)) {
            if (in == null) {
                return null;
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 4096);
            CRC32 crc = new CRC32();
            boolean first = true;
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (first && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                first = false;
                crc.update(line.getBytes(StandardCharsets.UTF_8));
            }
            return (int) crc.getValue();
        }
    }

    private static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int c = new java.math.BigInteger(i < x.length ? x[i] : "0").compareTo(new java.math.BigInteger(i < y.length ? y[i] : "0"));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
}
