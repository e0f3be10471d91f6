package dev.multiproc.worker;

import java.nio.file.Path;

/**
 * Log file names: {@code {dir}/{name}.o{id}} for stdout and {@code .e{id}} for stderr, as the protocol
 * names them. Task names come from users, so a name is reduced to a safe file name first: the path
 * always stays inside its directory, whatever the name holds ({@code /}, {@code ..}, newlines, NUL)
 * and however long it is.
 */
public final class LogFiles {
    static final int MAX_NAME = 120;

    private LogFiles() {
    }

    /** The log path for {@code logType} ({@code "stdout"} or {@code "stderr"}), or {@code /dev/null} without a directory. */
    public static String path(String logType, String logDir, String name, String distributorId) {
        if (logDir == null || logDir.isEmpty()) {
            return "/dev/null";
        }
        if (logType == null) {
            throw new IllegalArgumentException("log type must be 'stdout' or 'stderr', got null");
        }
        String suffix = switch (logType) {
            case "stdout" -> ".o";
            case "stderr" -> ".e";
            default -> throw new IllegalArgumentException("log type must be 'stdout' or 'stderr', got '" + logType + "'");
        };
        return Path.of(logDir).resolve(safeName(name) + suffix + safeName(distributorId)).toString();
    }

    /** A file name made of letters, digits, '.', '_' and '-', not starting with '.', at most {@value #MAX_NAME} characters. */
    public static String safeName(String name) {
        if (name == null) {
            return "task";
        }
        StringBuilder b = new StringBuilder(Math.min(name.length(), MAX_NAME));
        for (int i = 0; i < name.length() && b.length() < MAX_NAME; i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
                    || (c == '.' && b.length() > 0);
            b.append(ok ? c : '_');
        }
        return b.length() == 0 ? "task" : b.toString();
    }
}
