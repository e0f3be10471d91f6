package dev.multiproc.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The console's one page: a text area, a Run button and a results table, with its style and script inline and nothing
 * loaded from anywhere else. Its content security policy allows exactly that inline style and script, requests to
 * this console only, and no framing.
 */
final class ConsolePage {
    private final String html;
    private final String contentSecurityPolicy;

    private ConsolePage(String html, String contentSecurityPolicy) {
        this.html = html;
        this.contentSecurityPolicy = contentSecurityPolicy;
    }

    static ConsolePage forJournal(String journal) {
        String style = resource("console.css");
        String script = resource("console.js");
        String html = resource("console.html")
                .replace("{{ROW_LIMIT}}", Integer.toString(ConsoleQuery.ROW_LIMIT))
                .replace("{{TIMEOUT}}", Integer.toString(ConsoleQuery.TIMEOUT_SECONDS))
                .replace("{{JOURNAL}}", escape(journal))
                .replace("<style>{{STYLE}}</style>", "<style>" + style + "</style>")
                .replace("<script>{{SCRIPT}}</script>", "<script>" + script + "</script>");
        String csp = "default-src 'none'; script-src '" + sha256(script) + "'; style-src '" + sha256(style) + "'; "
                + "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        return new ConsolePage(html, csp);
    }

    String html() {
        return html;
    }

    String contentSecurityPolicy() {
        return contentSecurityPolicy;
    }

    private static String resource(String name) {
        try (InputStream in = ConsolePage.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the console's " + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "sha256-" + Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }
}
