package dev.multiproc.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jdbi.v3.core.statement.ColonPrefixSqlParser;
import org.jdbi.v3.core.statement.ParsedSql;
import org.jdbi.v3.sqlobject.statement.SqlBatch;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;
import org.junit.jupiter.api.Test;

/** {@link PlainSqlParser} means what Jdbi's own parser means, wherever it answers without it. */
class PlainSqlParserTest {
    private static final List<Class<?>> DAOS = List.of(ArrayFillDao.class, ExitInfoDao.class, HistoryDao.class, MetaDao.class,
            QueueingErrorDao.class, RunDao.class, SessionDao.class, TaskDao.class, TaskRequestDao.class);
    private final ColonPrefixSqlParser jdbis = new ColonPrefixSqlParser();

    /** What Jdbi's parser makes of {@code sql}; null when it refuses it. */
    private ParsedSql jdbis(String sql) {
        try {
            return jdbis.parse(sql, null);
        } catch (RuntimeException e) {
            return null;
        }
    }

    static List<String> statementsOfTheDaos() {
        List<String> all = new ArrayList<>();
        for (Class<?> dao : DAOS) {
            for (Method m : dao.getDeclaredMethods()) {
                for (Annotation a : m.getAnnotations()) {
                    if (a instanceof SqlQuery q) {
                        all.add(q.value());
                    } else if (a instanceof SqlUpdate u) {
                        all.add(u.value());
                    } else if (a instanceof SqlBatch b) {
                        all.add(b.value());
                    }
                }
            }
        }
        return all;
    }

    @Test
    void everyStatementOfTheDaosIsPlainAndParsedAsJdbiParsesIt() {
        List<String> statements = statementsOfTheDaos();
        assertTrue(statements.size() > 50, "the DAOs' statements were found: " + statements.size());
        for (String sql : statements) {
            ParsedSql plain = PlainSqlParser.parsePlain(sql);
            assertNotNull(plain, "not plain, so parsed by Jdbi's lexer at every host's start: " + sql);
            assertEquals(jdbis(sql), plain, sql);
        }
    }

    @Test
    void whatIsNotPlainGoesToJdbisParser() {
        for (String sql : List.of("SELECT ?", "SELECT x::bigint", "SELECT 'a\\'b' FROM t WHERE a = :a", "SELECT \"A\" FROM t",
                "SELECT 1 /* :x */", "SELECT 1 -- :x", "SELECT 1 // :x", "SELECT :1", "SELECT :a$b", "SELECT :a#b", "SELECT :a?.b", "SET @x := 1", "SELECT a[1:2]", "SELECT 'open",
                "SELECT :", "SELECT ': ' || é", "SELECT `x`")) {
            assertNull(PlainSqlParser.parsePlain(sql), sql);
            assertEquals(jdbis(sql), jdbis(sql) == null ? null : new PlainSqlParser(jdbis).parse(sql, null), sql);
        }
        assertEquals(jdbis("SELECT ?"), new PlainSqlParser(jdbis).parse("SELECT ?", null));
        assertEquals(List.of("r.kind"), PlainSqlParser.parsePlain("VALUES (:r.kind)").getParameters().getParameterNames(), "a bean's property");
    }

    @Test
    void onRandomSqlBothParsersAgreeWhereverThePlainOneAnswers() {
        String alphabet = "aZb_1 :::''',.*//#?\\\"()=<>--\n\t[]é@$;{}|~+!%&^`";
        Random random = new Random(20261203);
        int plain = 0;
        for (int i = 0; i < 50_000; i++) {
            StringBuilder sql = new StringBuilder();
            int length = random.nextInt(16);
            for (int j = 0; j < length; j++) {
                sql.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            ParsedSql ours = PlainSqlParser.parsePlain(sql.toString());
            if (ours != null) {
                plain++;
                assertEquals(jdbis(sql.toString()), ours, "[" + sql + "]");
            }
        }
        assertTrue(plain > 5_000, "enough random strings were plain to compare: " + plain);
    }
}
