package dev.multiproc.core;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Who submits, beyond the protocol's arguments: a service client ({@code clientId}, whose stop ends its tasks), the
 * key of its call (a retry with the same key returns the first call's ids), and the variables its tasks see. Each
 * part may be absent; {@link #NONE} is a submit from the host's own JVM.
 */
public record SubmitContext(String clientId, String requestKey, Map<String, String> environment) {
    public static final SubmitContext NONE = new SubmitContext(null, null, Map.of());

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final int MAX_ENVIRONMENT_CHARS = 256 * 1024;

    public SubmitContext {
        check("client_id", clientId);
        check("request_key", requestKey);
        environment = environment == null ? Map.of() : Map.copyOf(environment);
        int chars = 0;
        for (Map.Entry<String, String> e : environment.entrySet()) {
            if (!VARIABLE.matcher(e.getKey()).matches()) {
                throw new IllegalArgumentException("environment variable name '" + e.getKey() + "' is not a shell variable name");
            }
            if (e.getKey().equals("JOB_ID") || e.getKey().equals("ARRAY_STEP_ID")) {
                throw new IllegalArgumentException("environment variable " + e.getKey() + " is set by multiproc for each task");
            }
            if (e.getValue() == null || e.getValue().indexOf('\0') >= 0) {
                throw new IllegalArgumentException("environment variable " + e.getKey() + " has no value or holds a NUL character");
            }
            chars += e.getKey().length() + e.getValue().length();
        }
        if (chars > MAX_ENVIRONMENT_CHARS) {
            throw new IllegalArgumentException("the environment is " + chars + " characters long; the limit is " + MAX_ENVIRONMENT_CHARS);
        }
    }

    private static void check(String what, String value) {
        if (value != null && !KEY.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " must be 1 to 64 characters of A-Z a-z 0-9 . _ : -, got '"
                    + (value.length() > 80 ? value.substring(0, 80) + "..." : value) + "'");
        }
    }
}
