package dev.multiproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.multiproc.journal.JournalCredentials;
import dev.multiproc.journal.JournalDirectory;
import dev.multiproc.journal.JournalServer;
import dev.multiproc.testing.Attacker;
import dev.multiproc.testing.Cli;
import dev.multiproc.testing.HostileSql;
import dev.multiproc.testing.Hosts;
import dev.multiproc.testing.JournalTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code multiproc console} is its owner's alone: another user of the machine gets nothing from it but a bare 401,
 * cannot read its token, and no query through it, even with the token, runs code, touches a file or writes.
 */
@Tag("slow") // JVMs of seconds each; CI runs the slow tier too (the default tier stays under 90 s)
class ConsoleSecurityTest extends JournalTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path CURL = Path.of("/usr/bin/curl");
    private static final Pattern ADDRESS = Pattern.compile("(http://127\\.0\\.0\\.1:(\\d+)/)\\?token=([A-Za-z0-9_-]{43})\\s");

    private record Console(Process process, String base, int port, String token) {
        String url() {
            return base + "?token=" + token;
        }
    }

    private record Reply(int status, String body) {
    }

    @Test
    void aSecondUserGetsNothingFromTheConsole() throws Exception {
        Attacker.assumeAvailable(CURL);
        runOneTask();
        Attacker.openPath(tmp, tmp); // only the journal directory's own mode stands between nobody and the token file
        Console c = startConsole();
        try {
            Path tokenFile = journal().resolve("console-" + c.process().pid());
            assertEquals(c.url(), Files.readString(tokenFile).strip());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(journal())));
            for (String[] look : List.of(new String[] {"/bin/cat", tokenFile.toString()}, new String[] {"/bin/ls", journal().toString()})) {
                Attacker.Result r = Attacker.run(look);
                assertNotEquals(0, r.exit(), r.toString());
                assertTrue(r.err().contains("Permission denied"), r.toString());
                assertFalse(r.out().contains(c.token()), r.toString());
            }

            // the control: the same user, from the same place, with the token, gets in; so the 401s below are the token's doing
            assertEquals(200, curl(true, c.url()).status());
            String wrong = c.token().substring(0, 42) + (c.token().charAt(42) == 'A' ? 'B' : 'A');
            String json = "{\"sql\": \"SELECT * FROM task_history\"}";
            List<List<String>> attempts = List.of(
                    List.of(c.base()),
                    List.of(c.base() + "?token="),
                    List.of(c.base() + "?token=" + wrong),
                    List.of(c.base() + "?token=" + c.token().substring(0, c.token().length() - 1)),
                    List.of(c.base() + "?token=" + c.token() + "A"),
                    List.of(c.base() + "?token=" + wrong + "&token=" + c.token()),
                    List.of(c.base() + "query?token=" + wrong),
                    // what H2's web console answered: its pages, its login form naming a database of the attacker's choice
                    List.of(c.base() + "login.jsp"),
                    List.of(c.base() + "login.do?jsessionid=0&driver=org.h2.Driver&url=jdbc:h2:/tmp/mine&user=sa&password="),
                    List.of("-X", "POST", "--data", "driver=org.h2.Driver&url=jdbc:h2:/tmp/mine&user=sa&password=", c.base() + "login.do"),
                    List.of("-X", "POST", "-H", "Content-Type: application/json", "--data", json, c.base() + "query"),
                    List.of("-X", "POST", "-H", "Content-Type: application/json", "-H", "Authorization: Bearer " + wrong, "--data", json,
                            c.base() + "query"),
                    List.of("-H", "Authorization: Basic " + java.util.Base64.getEncoder().encodeToString(("x:" + c.token()).getBytes()),
                            c.base()));
            for (List<String> attempt : attempts) {
                Reply r = curl(true, attempt.toArray(String[]::new));
                assertEquals(401, r.status(), "nobody: " + attempt + " -> " + r);
                assertEquals("", r.body(), "a refusal says nothing: " + attempt);
            }
        } finally {
            stop(c);
        }
    }

    @Test
    void aRequestMustNameTheConsoleAndCarryItsTokenWhereNoOtherPageCan() throws Exception {
        Attacker.assumeAvailable(CURL);
        runOneTask();
        Console c = startConsole();
        try {
            String json = "{\"sql\": \"SELECT COUNT(*) FROM task\"}";
            String bearer = "Authorization: Bearer " + c.token();
            // another name for 127.0.0.1 (DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1)
            assertEquals(401, curl(false, "-H", "Host: evil.example:" + c.port(), c.url()).status());
            assertEquals(401, curl(false, "-H", "Host: 127.0.0.1:" + (c.port() + 1), c.url()).status());
            assertEquals(200, curl(false, "-H", "Host: localhost:" + c.port(), c.url()).status(), "the control");
            // what a form or a script of another site can send: the token in the URL, no header; or another Origin
            assertEquals(401, curl(false, "-X", "POST", "-H", "Content-Type: application/json", "--data", json,
                    c.base() + "query?token=" + c.token()).status());
            assertEquals(401, curl(false, "-X", "POST", "-H", bearer, "-H", "Content-Type: application/json", "-H", "Origin: http://evil.example",
                    "--data", json, c.base() + "query").status());
            assertEquals(415, curl(false, "-X", "POST", "-H", bearer, "-H", "Content-Type: text/plain", "--data", json, c.base() + "query").status());
            Reply ok = curl(false, "-X", "POST", "-H", bearer, "-H", "Content-Type: application/json", "-H", "Origin: http://127.0.0.1:" + c.port(),
                    "--data", json, c.base() + "query");
            assertEquals(200, ok.status(), "the control: " + ok);
            assertEquals("[[\"1\"]]", JSON.readTree(ok.body()).path("rows").toString());
            Reply page = curl(false, "-D", "-", c.url());
            String headers = page.body().toLowerCase();
            for (String expected : List.of("content-security-policy: default-src 'none'", "frame-ancestors 'none'", "x-frame-options: deny",
                    "referrer-policy: no-referrer", "cache-control: no-store", "x-content-type-options: nosniff")) {
                assertTrue(headers.contains(expected), expected + " in\n" + page.body());
            }
            assertFalse(headers.contains("set-cookie"), "no cookie: a browser would send it to every port of 127.0.0.1");
            assertFalse(page.body().contains("src=\"http") || page.body().contains("href=\"http"), "nothing loaded from elsewhere");
        } finally {
            stop(c);
        }
    }

    @Test
    void noQueryThroughTheConsoleRunsCodeTouchesAFileOrWrites() throws Exception {
        Path loot = tmp.resolve("loot");
        List<String> hostile = new ArrayList<>(HostileSql.aimedAt(loot));
        // a second statement behind a query: H2 runs it too, and the journal's reader may change its own password
        hostile.addAll(List.of("SELECT 1; SET PASSWORD 'x'", "SELECT 1;SET PASSWORD 'x';", "SELECT ';'; SET PASSWORD 'x'",
                "SELECT 1 -- ';\n; SET PASSWORD 'x'", "SELECT 1 /* ; */ ; SET PASSWORD 'x'", "SELECT $$;'$$; SET PASSWORD 'x'",
                "SELECT \"a;\" FROM (SELECT 1 AS \"a;\"); SET PASSWORD 'x'", "SELECT `';` FROM (SELECT 1 AS `';`); SET PASSWORD 'x'",
                "SELECT 1 AS a$$; SET PASSWORD 'x'; SELECT $$", "SET PASSWORD 'x'",
                "EXPLAIN ANALYZE DELETE FROM task", "/* SELECT */ DELETE FROM task", "-- SELECT\nDELETE FROM task",
                "/* /* */ SELECT */ DELETE FROM task", "DELETE FROM task"));
        try (MultiprocessDistributor host = Hosts.builder(journal(), 1).journalServer(true).build()) {
            host.start();
            host.submitToBatchDistributor("true", "t", Map.of());
            assertTrue(host.engine().awaitIdle(Duration.ofSeconds(30)));
            // the console reaches the journal through the host's server: a write that got through would stay
            Console c = startConsole();
            try {
                for (String sql : hostile) {
                    Reply r = query(c, sql);
                    assertEquals(400, r.status(), sql + " -> " + r);
                    assertFalse(JSON.readTree(r.body()).path("error").asText().isBlank(), sql + " -> " + r);
                }
                Reply semicolon = query(c, "SELECT 'a;b' AS s, \"x;\" FROM (SELECT 1 AS \"x;\");");
                assertEquals(200, semicolon.status(), semicolon.toString());
                assertEquals("[[\"a;b\",\"1\"]]", JSON.readTree(semicolon.body()).path("rows").toString());
                Reply many = query(c, "SELECT X FROM SYSTEM_RANGE(1, 5000)");
                JsonNode answer = JSON.readTree(many.body());
                assertEquals(1000, answer.path("rows").size(), "rows: " + answer.path("rows").size());
                assertTrue(answer.path("truncated").asBoolean());
            } finally {
                stop(c);
            }
            JournalDirectory dir = JournalDirectory.existing(journal());
            JournalCredentials secrets = JournalCredentials.load(dir.credentialsFile());
            try (Connection reader = DriverManager.getConnection(JournalServer.url(dir, secrets).orElseThrow(), JournalCredentials.READER,
                    secrets.readerPassword()); Statement s = reader.createStatement()) {
                assertEquals(1, count(s, "SELECT COUNT(*) FROM task"), "the reader's password and the tasks are as they were");
                assertEquals(0, count(s, "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME IN ('PWNED', 'LT')"));
            }
        }
        assertEquals(List.of(), HostileSql.spoils(loot), "files written through the console");
    }

    private static int count(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private void runOneTask() throws Exception {
        try (MultiprocessDistributor d = Hosts.open(journal(), 1)) {
            d.start();
            d.submitToBatchDistributor("echo hi", "t", Map.of());
            assertTrue(d.engine().awaitIdle(Duration.ofSeconds(30)));
        }
    }

    private Console startConsole() throws Exception {
        Process p = Cli.start(tmp, "console", "--journal", journal().toString(), "--for", "10m");
        Matcher[] found = new Matcher[1];
        Awaitility.await("the console's address").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50)).until(() -> {
            found[0] = ADDRESS.matcher(Cli.out(tmp, p));
            return found[0].find() || !p.isAlive();
        });
        if (!p.isAlive()) {
            throw new AssertionError("the console ended: " + Cli.out(tmp, p) + Cli.err(tmp, p));
        }
        return new Console(p, found[0].group(1), Integer.parseInt(found[0].group(2)), found[0].group(3));
    }

    private static void stop(Console c) throws InterruptedException {
        c.process().destroy();
        if (!c.process().waitFor(30, TimeUnit.SECONDS)) {
            c.process().destroyForcibly();
            c.process().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Reply query(Console c, String sql) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(c.base() + "query"))
                .header("Authorization", "Bearer " + c.token())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("sql", sql))))
                .timeout(Duration.ofSeconds(60))
                .build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.body());
    }

    /** A request made with curl, as nobody or as the owner: the status and what came with it. */
    private static Reply curl(boolean asNobody, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(CURL.toString(), "-sS", "--max-time", "60", "-o", "-", "-w", "\n%{http_code}"));
        command.addAll(List.of(args));
        Attacker.Result r = asNobody ? Attacker.run(command.toArray(String[]::new)) : Attacker.runAsIs(command);
        assertEquals(0, r.exit(), "curl: " + r);
        int cut = r.out().lastIndexOf('\n');
        return new Reply(Integer.parseInt(r.out().substring(cut + 1).strip()), r.out().substring(0, cut));
    }
}
