package dev.multiproc.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The check in front of {@code multiproc sql} and {@code multiproc console}: one read-only query (SELECT, WITH, SHOW,
 * EXPLAIN of a query, VALUES, TABLE). The journal's reader user is the barrier that matters (it may SELECT and nothing
 * else); this check says so early and keeps to one statement, because H2 runs every statement of
 * {@code SELECT 1; SET PASSWORD '...'} and a reader may change its own password.
 */
final class ReadOnlyQuery {
    static final String KINDS = "SELECT, WITH, SHOW, EXPLAIN, VALUES, TABLE";

    /**
     * A ';' inside the query is accepted only where it is surely inside a '...' string or a "..." name. Without these,
     * the quoting of H2 is just that: '' and "" escape, and nothing else can open or close a quote; with them (comments,
     * $$ strings, `names`, [names] of some modes, backslashes) a look that differs from H2's by one character could
     * hide a second statement.
     */
    private static final List<String> AMBIGUOUS_WITH_SEMICOLON = List.of("--", "//", "/*", "$", "`", "[", "\\");

    private ReadOnlyQuery() {
    }

    /** The query to run, without its trailing ';'; or an IllegalArgumentException naming {@code who} and the reason. */
    static String check(String who, String sql) {
        String q = sql.strip();
        while (q.endsWith(";")) {
            q = q.substring(0, q.length() - 1).strip();
        }
        if (q.isEmpty()) {
            throw new IllegalArgumentException(who + ": the query is empty");
        }
        if (q.indexOf(';') >= 0 && !semicolonsOnlyInQuotes(q)) {
            throw new IllegalArgumentException(who + " runs one statement at a time: a ';' may end the query or stand in a "
                    + "'...' string (in a query without comments, $, `, [ or \\), nowhere else");
        }
        List<String> words = leadingWords(q, 4);
        String first = words.isEmpty() ? "" : words.get(0);
        if (!isQueryStart(words)) {
            throw new IllegalArgumentException(who + " is read-only: only queries (" + KINDS + ") are allowed, not '"
                    + (first.isEmpty() ? q.split("\\s+", 2)[0] : first) + "'");
        }
        return q;
    }

    private static boolean isQueryStart(List<String> words) {
        if (words.isEmpty()) {
            return false;
        }
        return switch (words.get(0)) {
            case "SELECT", "WITH", "VALUES", "TABLE", "(", "SHOW" -> true;
            case "EXPLAIN" -> {
                int i = 1;
                if (i < words.size() && words.get(i).equals("ANALYZE")) {
                    i++;
                }
                if (i + 1 < words.size() && words.get(i).equals("PLAN") && words.get(i + 1).equals("FOR")) {
                    i += 2;
                }
                yield i < words.size() && List.of("SELECT", "WITH", "VALUES", "TABLE", "(").contains(words.get(i));
            }
            default -> false;
        };
    }

    private static boolean semicolonsOnlyInQuotes(String q) {
        for (String s : AMBIGUOUS_WITH_SEMICOLON) {
            if (q.contains(s)) {
                return false;
            }
        }
        char quote = 0;
        for (int i = 0; i < q.length(); i++) {
            char c = q.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0; // a doubled quote closes and reopens: the same characters stay quoted
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == ';') {
                return false;
            }
        }
        return true;
    }

    /** Up to {@code max} leading words in upper case ("(" counts as one), skipping whitespace and comments as H2 does. */
    private static List<String> leadingWords(String q, int max) {
        List<String> words = new ArrayList<>();
        int i = 0;
        while (words.size() < max) {
            i = skipSpaceAndComments(q, i);
            if (i >= q.length()) {
                break;
            }
            if (q.charAt(i) == '(') {
                words.add("(");
                break;
            }
            int cp = q.codePointAt(i);
            if (!Character.isJavaIdentifierStart(cp)) {
                break;
            }
            int end = i + Character.charCount(cp);
            while (end < q.length() && Character.isJavaIdentifierPart(q.codePointAt(end))) {
                end += Character.charCount(q.codePointAt(end));
            }
            words.add(q.substring(i, end).toUpperCase(Locale.ROOT));
            i = end;
        }
        return words;
    }

    /** H2's own rules: "--" and "//" comments end at \n or \r; block comments nest. */
    private static int skipSpaceAndComments(String q, int i) {
        while (i < q.length()) {
            char c = q.charAt(i);
            if (c <= ' ' || Character.isSpaceChar(c)) {
                i++;
            } else if ((c == '-' || c == '/') && q.startsWith(c == '-' ? "--" : "//", i)) {
                while (i < q.length() && q.charAt(i) != '\n' && q.charAt(i) != '\r') {
                    i++;
                }
            } else if (q.startsWith("/*", i)) {
                int level = 0;
                do {
                    if (q.startsWith("/*", i)) {
                        level++;
                        i += 2;
                    } else if (q.startsWith("*/", i)) {
                        level--;
                        i += 2;
                    } else {
                        i++;
                    }
                } while (level > 0 && i < q.length());
            } else {
                break;
            }
        }
        return i;
    }
}
