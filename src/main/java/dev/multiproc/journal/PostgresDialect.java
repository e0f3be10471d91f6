package dev.multiproc.journal;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.config.ConfigRegistry;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.TemplateEngine;

/**
 * The journal's statements, written for H2, as PostgreSQL takes them: the three forms that differ are rewritten
 * after Jdbi's own template engine has rendered a statement, and everything else passes unchanged. So the DAOs
 * keep one text per statement.
 * <ul>
 *   <li>{@code MERGE INTO t (c, ...) KEY (k) VALUES (...)} becomes {@code INSERT ... ON CONFLICT (k) DO UPDATE};</li>
 *   <li>{@code FROM SYSTEM_RANGE(a, b)} (its column X) becomes {@code FROM generate_series(a, b) AS r(X)};</li>
 *   <li>{@code DELETE FROM t WHERE ... FETCH FIRST n ROWS ONLY} deletes by {@code ctid} from a limited select.</li>
 * </ul>
 */
final class PostgresDialect implements TemplateEngine {
    private static final Pattern MERGE = Pattern.compile(
            "(?s)MERGE INTO (\\w+) \\(([^)]*)\\) KEY \\((\\w+)\\) VALUES (\\(.*\\))");
    /** Its bounds may hold parentheses two deep: {@code COALESCE((SELECT ...), :from)}. */
    private static final Pattern SYSTEM_RANGE = Pattern.compile("FROM SYSTEM_RANGE\\(((?:[^()]|\\((?:[^()]|\\([^()]*\\))*\\))*)\\)");
    private static final Pattern LIMITED_DELETE = Pattern.compile(
            "(?s)DELETE FROM (\\w+) WHERE (.*) FETCH FIRST (\\S+) ROWS ONLY");

    private final TemplateEngine rendering;
    private final Map<String, String> translated = new ConcurrentHashMap<>();

    PostgresDialect(TemplateEngine rendering) {
        this.rendering = rendering;
    }

    @Override
    public String render(String template, StatementContext ctx) {
        return translate(rendering.render(template, ctx));
    }

    @Override
    public Optional<Function<StatementContext, String>> parse(String template, ConfigRegistry config) {
        return rendering.parse(template, config).map(f -> f.andThen(this::translate));
    }

    String translate(String sql) {
        return translated.computeIfAbsent(sql, PostgresDialect::rewrite);
    }

    static String rewrite(String sql) {
        Matcher m = MERGE.matcher(sql);
        if (m.matches()) {
            String key = m.group(3);
            StringBuilder set = new StringBuilder();
            for (String column : m.group(2).split(",")) {
                String c = column.strip();
                if (!c.equalsIgnoreCase(key)) {
                    set.append(set.isEmpty() ? "" : ", ").append(c).append(" = EXCLUDED.").append(c);
                }
            }
            return "INSERT INTO " + m.group(1) + " (" + m.group(2) + ") VALUES " + m.group(4) + " ON CONFLICT (" + key + ") DO "
                    + (set.isEmpty() ? "NOTHING" : "UPDATE SET " + set);
        }
        m = LIMITED_DELETE.matcher(sql);
        if (m.matches() && !m.group(2).contains("FETCH FIRST")) {
            return "DELETE FROM " + m.group(1) + " WHERE ctid IN (SELECT ctid FROM " + m.group(1) + " WHERE " + m.group(2)
                    + " LIMIT " + m.group(3) + ")";
        }
        return SYSTEM_RANGE.matcher(sql).replaceAll("FROM generate_series($1) AS r(X)");
    }
}
