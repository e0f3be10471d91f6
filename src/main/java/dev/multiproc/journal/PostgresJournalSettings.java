package dev.multiproc.journal;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Where the journal on PostgreSQL is and who connects to it: {@code journal_url} and the credentials from a file
 * only its owner may read ({@code journal_credentials}: lines {@code user=...} and {@code password=...}), else from
 * {@code MULTIPROC_JOURNAL_USER} and {@code MULTIPROC_JOURNAL_PASSWORD}; never from the command line or the URL,
 * which other users of the machine can read in the process list.
 */
public record PostgresJournalSettings(String url, String user, String password) {
    public static final String USER_VARIABLE = "MULTIPROC_JOURNAL_USER";
    public static final String PASSWORD_VARIABLE = "MULTIPROC_JOURNAL_PASSWORD";
    private static final String PREFIX = "jdbc:postgresql://";

    /** Checks the URL and finds the credentials; every problem is an {@link IllegalArgumentException} of one line. */
    public static PostgresJournalSettings resolve(String url, Path credentialsFile, Map<String, String> environment) {
        if (!url.startsWith(PREFIX)) {
            throw new IllegalArgumentException("journal_url " + url + " is not a PostgreSQL JDBC URL: it must start with " + PREFIX
                    + " (without journal_url the embedded H2 journal is used)");
        }
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.contains("password=") || lower.matches("jdbc:postgresql://[^/?]*@.*")) {
            throw new IllegalArgumentException("journal_url carries a password: put the credentials in journal_credentials (a file "
                    + "only you can read) or in " + USER_VARIABLE + " and " + PASSWORD_VARIABLE + ", not in the URL");
        }
        if (credentialsFile != null) {
            return fromFile(url, credentialsFile);
        }
        String user = environment.get(USER_VARIABLE);
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("journal_url is set but no credentials are: give journal_credentials (a file of mode "
                    + "0600 with user=NAME and password=SECRET) or set " + USER_VARIABLE + " and " + PASSWORD_VARIABLE);
        }
        return new PostgresJournalSettings(url, user, environment.get(PASSWORD_VARIABLE));
    }

    private static PostgresJournalSettings fromFile(String url, Path file) {
        Properties p = new Properties();
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            Set<PosixFilePermission> others = Set.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                    PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE,
                    PosixFilePermission.OTHERS_EXECUTE);
            if (mode.stream().anyMatch(others::contains)) {
                throw new IllegalArgumentException("the journal credentials file " + file + " has mode "
                        + java.nio.file.attribute.PosixFilePermissions.toString(mode) + ": others than its owner may read it; "
                        + "chmod 600 " + file);
            }
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the journal credentials file " + file + ": " + e.getMessage(), e);
        }
        String user = p.getProperty("user");
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("the journal credentials file " + file + " has no user=NAME line");
        }
        return new PostgresJournalSettings(url, user.strip(), p.getProperty("password"));
    }

    @Override
    public String toString() {
        return "PostgresJournalSettings[url=" + url + ", user=" + user + "]";
    }
}
