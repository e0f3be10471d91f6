package dev.multiproc.journal;

import org.jdbi.v3.core.statement.ColonPrefixSqlParser;
import org.jdbi.v3.core.statement.ParsedSql;
import org.jdbi.v3.core.statement.SqlParser;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Jdbi's {@code :name} parameters found without Jdbi's ANTLR lexer, in the plain SQL the journal's statements are written
 * in. Jdbi's own parser ({@link ColonPrefixSqlParser}) builds its lexer's automaton as it lexes the first statements:
 * 17 ms of a host's start-up and 10 MB of garbage (a young collection) in a run of one line (async-profiler, 4 runs).
 *
 * <p>Plain SQL is ASCII letters, digits, white space and the punctuation SQL uses, single-quoted strings without a
 * backslash, and {@code :name} parameters of ASCII letters, digits, {@code _} and {@code .}, starting with a letter or
 * {@code _}, followed by none of {@code $ # ?}. Its
 * meaning is the same under both parsers ({@code PlainSqlParserTest} compares them on every statement of the DAOs and
 * on random strings). Anything else (a {@code ?}, a {@code ::} cast, a comment of any of the three kinds, a double
 * quote, a backslash, a bracket) goes to Jdbi's parser, which says what it means.
 */
final class PlainSqlParser implements SqlParser {
    private final SqlParser jdbis;

    /** @param jdbis the parser of what is not plain: Jdbi's, whose lexer runs only when it parses */
    PlainSqlParser(SqlParser jdbis) {
        this.jdbis = jdbis;
    }

    @Override
    public ParsedSql parse(String sql, StatementContext ctx) {
        ParsedSql plain = parsePlain(sql);
        return plain != null ? plain : jdbis.parse(sql, ctx);
    }

    @Override
    public String nameParameter(String rawName, StatementContext ctx) {
        return ":" + rawName;
    }

    /** The parsed form of plain SQL; null when {@code sql} is not plain. */
    static ParsedSql parsePlain(String sql) {
        ParsedSql.Builder parsed = ParsedSql.builder();
        int literalFrom = 0;
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '\'') {
                i = afterPlainQuote(sql, i);
                if (i < 0) {
                    return null;
                }
            } else if (c == ':') {
                int end = i + 1;
                while (end < n && (isNameChar(sql.charAt(end)) || sql.charAt(end) == '.')) {
                    end++;
                }
                if (end == i + 1 || !Character.isLetter(sql.charAt(i + 1)) && sql.charAt(i + 1) != '_'
                        || end < n && "$#?".indexOf(sql.charAt(end)) >= 0) {
                    return null; // a cast, an assignment, or a name Jdbi reads otherwise ({@code :a$b}, {@code :a?.b})
                }
                parsed.append(sql.substring(literalFrom, i));
                parsed.appendNamedParameter(sql.substring(i + 1, end));
                literalFrom = end;
                i = end;
            } else if (isPlainLiteral(c) && !startsComment(sql, i)) {
                i++;
            } else {
                return null;
            }
        }
        parsed.append(sql.substring(literalFrom));
        return parsed.build();
    }

    /** Where the quoted string that starts at {@code i} ends, just after its closing quote; -1 if it has a backslash or no end. */
    static int afterPlainQuote(String sql, int i) {
        int close = sql.indexOf('\'', i + 1);
        return close < 0 || sql.substring(i, close).indexOf('\\') >= 0 ? -1 : close + 1;
    }

    /** Whether a comment starts at {@code i}: {@code /*}, or {@code --} or {@code //} to the end of the line. */
    static boolean startsComment(String sql, int i) {
        char c = sql.charAt(i);
        char next = i + 1 < sql.length() ? sql.charAt(i + 1) : 0;
        return c == '/' && (next == '*' || next == '/') || c == '-' && next == '-';
    }

    static boolean isNameChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
    }

    /** A character Jdbi's lexer copies as it is wherever it stands outside a parameter. */
    static boolean isPlainLiteral(char c) {
        return isNameChar(c) || " \t\n\r,@!=;()+-<>%&^|$~{}*/.#".indexOf(c) >= 0;
    }
}
