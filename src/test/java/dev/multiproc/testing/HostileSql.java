package dev.multiproc.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * SQL that would run code or touch files in the process that runs it, if H2 let it: each statement aims at files
 * under a "loot" directory, which must stay as it was. {@code RUNSCRIPT} gets a script there that would create the
 * table {@code PWNED}.
 */
public final class HostileSql {
    public static final String SCRIPT = "evil.sql";

    private HostileSql() {
    }

    /** Prepares {@code loot} (a directory with the script to run) and returns the statements aimed at it. */
    public static List<String> aimedAt(Path loot) throws IOException {
        Files.createDirectories(loot);
        Files.writeString(loot.resolve(SCRIPT), "CREATE TABLE PWNED(X INT);\n");
        String l = loot.toAbsolutePath().toString();
        return List.of(
                "CREATE ALIAS EXEC AS 'String exec(String c) throws Exception { "
                        + "return new String(Runtime.getRuntime().exec(c).getInputStream().readAllBytes()); }'",
                "CALL EXEC('touch " + l + "/exec')",
                "CALL \"java.lang.Runtime.getRuntime\"()",
                "SELECT FILE_READ('/etc/shadow')",
                "SELECT FILE_READ('" + l + "/" + SCRIPT + "')",
                "SELECT FILE_WRITE('owned', '" + l + "/file_write')",
                "SELECT * FROM CSVREAD('/etc/passwd')",
                "CALL CSVWRITE('" + l + "/csvwrite.csv', 'SELECT 1')",
                "SELECT * FROM LINK_SCHEMA('L', '', 'jdbc:h2:" + l + "/link_schema', 'sa', 'sa', 'PUBLIC')",
                "SCRIPT TO '" + l + "/script.sql'",
                "SCRIPT",
                "RUNSCRIPT FROM '" + l + "/" + SCRIPT + "'",
                "CREATE FORCE LINKED TABLE LT('', 'jdbc:h2:" + l + "/linked_table', 'sa', 'sa', 'T')",
                "CREATE TRIGGER TR BEFORE INSERT ON TASK AS 'org.h2.api.Trigger create() { return null; }'",
                "CREATE AGGREGATE AG FOR \"java.lang.Object\"",
                "BACKUP TO '" + l + "/backup.zip'",
                "SET TRACE_LEVEL_FILE 3",
                "SET JAVA_OBJECT_SERIALIZER 'java.lang.Object'",
                "SET EXCLUSIVE 1",
                "SET DB_CLOSE_DELAY -1",
                "SET MODE MySQL",
                "SET ALLOW_LITERALS NONE",
                "SET REFERENTIAL_INTEGRITY FALSE",
                "ALTER USER READER ADMIN TRUE",
                "CREATE USER INTRUDER PASSWORD 'x' ADMIN",
                "GRANT SELECT ON TASK TO PUBLIC",
                "SHUTDOWN");
    }

    /** What changed under {@code loot} since {@link #aimedAt}: files the statements wrote. */
    public static List<String> spoils(Path loot) throws IOException {
        List<String> found = new ArrayList<>();
        try (var files = Files.list(loot)) {
            files.map(p -> p.getFileName().toString()).filter(n -> !n.equals(SCRIPT)).sorted().forEach(found::add);
        }
        return found;
    }
}
