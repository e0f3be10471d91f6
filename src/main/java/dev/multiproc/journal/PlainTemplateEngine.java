package dev.multiproc.journal;

import java.util.function.Function;
import org.jdbi.v3.core.statement.DefinedAttributeTemplateEngine;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.TemplateEngine;

/**
 * Jdbi's {@code <name>} attributes ({@code @Define}) put in without Jdbi's ANTLR lexer, in the plain SQL of
 * {@link PlainSqlParser}: Jdbi's own engine ({@link DefinedAttributeTemplateEngine}) built its lexer's automaton as it
 * read a host's first statements, 6 to 10 ms of its start-up (async-profiler, 4 runs). An attribute's name is ASCII
 * letters, digits and {@code _}; any other {@code <} is itself. A template that is not plain (a comment, a double quote,
 * a backslash, an attribute not defined, or named with {@code .} or {@code $}) goes to Jdbi's engine, which says what
 * it means ({@code PlainTemplateEngineTest} compares them).
 */
final class PlainTemplateEngine implements TemplateEngine {
    private final TemplateEngine jdbis;

    /** @param jdbis the engine of what is not plain: Jdbi's, whose lexer runs only when it renders */
    PlainTemplateEngine(TemplateEngine jdbis) {
        this.jdbis = jdbis;
    }

    @Override
    public String render(String template, StatementContext ctx) {
        String plain = renderPlain(template, ctx::getAttribute);
        return plain != null ? plain : jdbis.render(template, ctx);
    }

    /** {@code template} with its attributes put in; null when it is not plain. */
    static String renderPlain(String template, Function<String, Object> attributes) {
        StringBuilder rendered = null;
        int from = 0;
        int i = 0;
        int n = template.length();
        while (i < n) {
            char c = template.charAt(i);
            if (c == '\'') {
                i = PlainSqlParser.afterPlainQuote(template, i);
                if (i < 0) {
                    return null;
                }
            } else if (c == '<') {
                int end = i + 1;
                while (end < n && PlainSqlParser.isNameChar(template.charAt(end))) {
                    end++;
                }
                if (end < n && (template.charAt(end) == '.' || template.charAt(end) == '$')) {
                    return null;
                }
                if (end == i + 1 || end == n || template.charAt(end) != '>') {
                    i++;
                    continue;
                }
                Object value = attributes.apply(template.substring(i + 1, end));
                if (value == null) {
                    return null; // Jdbi's engine names the attribute that is missing
                }
                rendered = rendered == null ? new StringBuilder(n + 32) : rendered;
                rendered.append(template, from, i).append(value);
                from = end + 1;
                i = end + 1;
            } else if ((PlainSqlParser.isPlainLiteral(c) || c == ':' || c == '?') && !PlainSqlParser.startsComment(template, i)) {
                i++;
            } else {
                return null;
            }
        }
        return rendered == null ? template : rendered.append(template, from, n).toString();
    }
}
