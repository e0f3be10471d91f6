package dev.multiproc.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.DefinedAttributeTemplateEngine;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.UnableToCreateStatementException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link PlainTemplateEngine} renders what Jdbi's own engine renders, wherever it answers without it. */
class PlainTemplateEngineTest {
    private final DefinedAttributeTemplateEngine jdbis = new DefinedAttributeTemplateEngine();
    private Handle handle;
    private StatementContext ctx;

    @BeforeEach
    void context() {
        handle = Jdbi.create("jdbc:h2:mem:templates").open();
        var query = handle.createQuery("SELECT 1");
        for (String name : List.of("a", "b", "1", "_", "ab", "ba", "a1", "_a", "A", "Ab", "1a", "own", "andOwn", "taskIds")) {
            query.define(name, "[" + name + "]");
        }
        ctx = query.getContext();
    }

    @AfterEach
    void close() {
        handle.close();
    }

    /** What Jdbi's engine renders; null when it refuses. */
    private String jdbis(String template) {
        try {
            return jdbis.render(template, ctx);
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Test
    void everyTemplateOfTheDaosIsPlainAndRenderedAsJdbiRendersIt() {
        List<String> statements = PlainSqlParserTest.statementsOfTheDaos();
        long templates = statements.stream().filter(s -> s.contains("<own>") || s.contains("<andOwn>")).count();
        assertTrue(templates >= 5, "the DAOs' templates were found: " + templates);
        for (String sql : statements) {
            String plain = PlainTemplateEngine.renderPlain(sql, ctx::getAttribute);
            assertNotNull(plain, "not plain, so rendered by Jdbi's lexer at every host's start: " + sql);
            assertEquals(jdbis(sql), plain, sql);
        }
    }

    @Test
    void whatIsNotPlainGoesToJdbisEngine() {
        for (String template : List.of("<a.b>", "<a$>", "<é>", "\\<a>", "\"<a>\"", "-- <a>\n<b>", "/* <a> */", "'<a>\\'", "<zz>")) {
            assertNull(PlainTemplateEngine.renderPlain(template, ctx::getAttribute), template);
        }
        assertEquals("[a]=1 AND '<b>'", new PlainTemplateEngine(jdbis).render("<a>=1 AND '<b>'", ctx));
        assertEquals("<a>", new PlainTemplateEngine(jdbis).render("\\<a>", ctx), "Jdbi's engine answers it");
        assertThrows(UnableToCreateStatementException.class, () -> new PlainTemplateEngine(jdbis).render("<missing>", ctx),
                "Jdbi's engine names what is missing");
    }

    @Test
    void onRandomTemplatesBothEnginesAgreeWhereverThePlainOneAnswers() {
        String alphabet = "abA1_<<<>>>'':?.$ -/*\n\t\"\\é=#;(),{}|~+";
        Random random = new Random(20261203);
        int plain = 0;
        for (int i = 0; i < 50_000; i++) {
            StringBuilder template = new StringBuilder();
            int length = random.nextInt(14);
            for (int j = 0; j < length; j++) {
                template.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String ours = PlainTemplateEngine.renderPlain(template.toString(), ctx::getAttribute);
            if (ours != null) {
                plain++;
                assertEquals(jdbis(template.toString()), ours, "[" + template + "]");
            }
        }
        assertTrue(plain > 5_000, "enough random templates were plain to compare: " + plain);
    }
}
