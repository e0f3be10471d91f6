package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The check in front of multiproc sql and the console: one read-only query; a ';' only where it surely is no separator. */
class ReadOnlyQueryTest {

    @Test
    void queriesPassWithoutTheirTrailingSemicolons() {
        for (String q : List.of("SELECT 1", "select 1", " WITH x AS (SELECT 1) SELECT * FROM x", "VALUES 1", "TABLE task", "(SELECT 1)",
                "SHOW TABLES", "EXPLAIN SELECT 1", "EXPLAIN ANALYZE SELECT 1", "EXPLAIN PLAN FOR SELECT 1", "-- note\nSELECT 1",
                "// note\rSELECT 1", "/* a /* nested */ note */ SELECT 1", "SELECT 'a;b'", "SELECT 'it''s; fine'", "SELECT \"a;b\" FROM t",
                "SELECT 'x' FROM t WHERE command LIKE '%;%'")) {
            assertEquals(q.strip(), ReadOnlyQuery.check("test", q), q);
            assertEquals(q.strip(), ReadOnlyQuery.check("test", q + " ;; \n"), q);
        }
    }

    @Test
    void anythingButAQueryIsRefusedByName() {
        for (String q : List.of("DELETE FROM task", "SET PASSWORD 'x'", "CALL 1", "EXPLAIN DELETE FROM task", "EXPLAIN ANALYZE UPDATE task SET x = 1",
                "/* SELECT */ DELETE FROM task", "-- SELECT\nDELETE FROM task", "/* /* */ SELECT */ DELETE FROM task", "{call x()}")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReadOnlyQuery.check("test", q), q);
            assertTrue(e.getMessage().startsWith("test is read-only: only queries (SELECT, WITH, SHOW, EXPLAIN, VALUES, TABLE) are allowed, not '"),
                    e.getMessage());
        }
        assertEquals("test: the query is empty", assertThrows(IllegalArgumentException.class, () -> ReadOnlyQuery.check("test", " ; ")).getMessage());
    }

    @Test
    void aSemicolonOutsideAPlainStringIsRefused() {
        for (String q : List.of("SELECT 1; SET PASSWORD 'x'", "SELECT ';'; SET PASSWORD 'x'", "SELECT \"';\"; SET PASSWORD 'x'",
                "SELECT 1 -- ';\n; SET PASSWORD 'x'", "SELECT 1 // ';\n; SET PASSWORD 'x'", "SELECT 1 /* ; */", "SELECT $$;'$$; SET PASSWORD 'x'",
                "SELECT `';` FROM t; SET PASSWORD 'x'", "SELECT [';] FROM t; SET PASSWORD 'x'", "SELECT 'a\\'; SET PASSWORD 'x'",
                "SELECT 1 AS a$$; SET PASSWORD 'x'; SELECT $$")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReadOnlyQuery.check("test", q), q);
            assertTrue(e.getMessage().startsWith("test runs one statement at a time"), e.getMessage());
        }
    }
}
