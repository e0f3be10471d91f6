package dev.multiproc.cli;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Who may use a console: whoever holds its token, a fresh secret of 32 random bytes that only the journal's owner
 * can read. A request must name the console itself as its host (a page of another site that has its name resolve to
 * 127.0.0.1 does not) and carry the token: in the URL's {@code token} parameter for the page, in an
 * {@code Authorization: Bearer} header for queries. No cookie: a browser would send it to every server on 127.0.0.1,
 * whatever its port and whoever runs it, and no page of another origin can set that header.
 */
final class ConsoleAuth {
    private static final int TOKEN_BYTES = 32;

    private final byte[] token;
    private final Set<String> hosts;
    private final Set<String> origins;

    ConsoleAuth(String token, int port) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
        this.hosts = Set.of("127.0.0.1:" + port, "localhost:" + port);
        this.origins = Set.of("http://127.0.0.1:" + port, "http://localhost:" + port);
    }

    static String freshToken() {
        byte[] bytes = new byte[TOKEN_BYTES];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Whether to answer the request at all; when not, it gets a bare 401. */
    boolean allows(HttpExchange exchange) {
        Headers headers = exchange.getRequestHeaders();
        if (!isOneOf(headers.get("Host"), hosts)) {
            return false;
        }
        String bearer = bearer(headers.get("Authorization"));
        if (exchange.getRequestMethod().equals("GET")) {
            return matches(bearer != null ? bearer : queryToken(exchange.getRequestURI()));
        }
        List<String> origin = headers.get("Origin");
        return (origin == null || isOneOf(origin, origins)) && matches(bearer);
    }

    private boolean matches(String candidate) {
        return candidate != null && MessageDigest.isEqual(token, candidate.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean isOneOf(List<String> values, Set<String> allowed) {
        return values != null && values.size() == 1 && allowed.contains(values.get(0).toLowerCase(Locale.ROOT));
    }

    private static String bearer(List<String> authorization) {
        if (authorization == null || authorization.size() != 1 || !authorization.get(0).startsWith("Bearer ")) {
            return null;
        }
        return authorization.get(0).substring("Bearer ".length()).strip();
    }

    /** The value of the one {@code token} parameter of the URL; null when there is none or more than one. */
    private static String queryToken(URI uri) {
        String query = uri.getRawQuery();
        if (query == null) {
            return null;
        }
        String found = null;
        for (String pair : query.split("&")) {
            if (pair.startsWith("token=")) {
                if (found != null) {
                    return null;
                }
                found = URLDecoder.decode(pair.substring("token=".length()), StandardCharsets.UTF_8);
            }
        }
        return found;
    }
}
