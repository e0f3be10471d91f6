package dev.multiproc.cli;

import dev.multiproc.core.Engine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The commands of {@code multiproc run}: one per line of a UTF-8 file (or of standard input), blank
 * lines and {@code #} comments skipped. A file that cannot be one gets an error naming it, the line
 * and the reason, before anything runs or is journaled.
 */
final class CommandFile {
    private CommandFile() {
    }

    /** The commands of {@code file} ({@code -}: {@code stdin}). */
    static List<String> read(String file, InputStream stdin) {
        String what = file.equals("-") ? "standard input" : file;
        byte[] bytes = file.equals("-") ? readStdin(stdin) : readFile(file);
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        List<String> commands = new ArrayList<>();
        int start = 0;
        int lineNo = 0;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n' && bytes[end] != '\r') {
                end++;
            }
            lineNo++;
            String line = decode(utf8, bytes, start, end, what, lineNo);
            String t = line.strip();
            if (!t.isEmpty() && !t.startsWith("#")) {
                check(line, what, lineNo);
                commands.add(line);
            }
            start = end + (end + 1 < bytes.length && bytes[end] == '\r' && bytes[end + 1] == '\n' ? 2 : 1);
        }
        return commands;
    }

    private static String decode(CharsetDecoder utf8, byte[] bytes, int start, int end, String what, int lineNo) {
        ByteBuffer in = ByteBuffer.wrap(bytes, start, end - start);
        CharBuffer out = CharBuffer.allocate(end - start);
        utf8.reset();
        CoderResult result = utf8.decode(in, out, true);
        if (!result.isError()) {
            result = utf8.flush(out);
        }
        if (result.isError()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s line %d is not valid UTF-8 (byte 0x%02X at byte %d of the "
                    + "line); multiproc reads commands as UTF-8: convert the file, for example with iconv", what, lineNo,
                    bytes[in.position()] & 0xFF, in.position() - start + 1));
        }
        return out.flip().toString();
    }

    private static void check(String line, String what, int lineNo) {
        int nul = line.indexOf('\0');
        if (nul >= 0) {
            throw new IllegalArgumentException(what + " line " + lineNo + " holds a NUL byte (at column " + (nul + 1) + "); a command "
                    + "is text, and a shell command cannot hold one");
        }
        if (line.length() > Engine.MAX_COMMAND_LENGTH) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s line %d is %,d characters long; a command may have at most "
                    + "%,d", what, lineNo, line.length(), Engine.MAX_COMMAND_LENGTH));
        }
    }

    private static byte[] readStdin(InputStream stdin) {
        try {
            return stdin.readAllBytes();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read standard input: " + e.getMessage(), e);
        }
    }

    private static byte[] readFile(String file) {
        Path path = Path.of(file);
        if (Files.isDirectory(path)) {
            throw new IllegalArgumentException(file + " is a directory, not a file of commands");
        }
        try {
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no such file: " + file);
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException("cannot read " + file + ": permission denied (" + ownerAndMode(path) + "; you are "
                    + System.getProperty("user.name") + ")");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String ownerAndMode(Path path) {
        return JournalLocation.posixAttributes(path)
                .map(a -> "it belongs to " + a.owner().getName() + ", mode " + JournalLocation.octal(a.permissions()))
                .orElse("a directory on its path is closed to you");
    }
}
