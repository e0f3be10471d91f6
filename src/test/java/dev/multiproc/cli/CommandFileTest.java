package dev.multiproc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.multiproc.core.Engine;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands of {@code multiproc run}, read from real files: one per line, blank lines and comments
 * skipped; a file that cannot be one is refused naming the file, the line and the reason (the command
 * line's one line and exit status for it: {@code NewUserTest}).
 */
class CommandFileTest {
    @TempDir
    Path tmp;

    private String file(String name, byte[] content) throws Exception {
        return Files.write(tmp.resolve(name), content).toString();
    }

    private String file(String name, String content) throws Exception {
        return file(name, content.getBytes(StandardCharsets.UTF_8));
    }

    private static String refusal(String file) {
        return assertThrows(IllegalArgumentException.class, () -> CommandFile.read(file, null)).getMessage();
    }

    @Test
    void oneCommandPerLineWithoutBlankLinesAndComments() throws Exception {
        String f = file("c.txt", "echo one\n\n   \n# a comment\n  # another\r\necho 'two # not a comment'\r\nexit 3\r  sleep 1 \n");
        assertEquals(List.of("echo one", "echo 'two # not a comment'", "exit 3", "  sleep 1 "), CommandFile.read(f, null));
        assertEquals(List.of("echo ä ✓"), CommandFile.read(file("u.txt", "echo ä ✓"), null), "a last line without its newline");
        assertEquals(List.of(), CommandFile.read(file("empty.txt", ""), null));
    }

    @Test
    void standardInputIsReadTheSameWay() {
        assertEquals(List.of("true", "false"), CommandFile.read("-", new ByteArrayInputStream("true\n# no\nfalse\n".getBytes(StandardCharsets.UTF_8))));
        assertEquals("standard input line 2 holds a NUL byte (at column 1); a command is text, and a shell command cannot hold one",
                assertThrows(IllegalArgumentException.class, () -> CommandFile.read("-", new ByteArrayInputStream("true\n\0\n".getBytes(
                        StandardCharsets.UTF_8)))).getMessage());
    }

    @Test
    void aNulByteIsRefusedWithItsLineAndColumn() throws Exception {
        String f = file("nul.txt", "echo a\n# fine\necho b\0c\n");
        assertEquals(f + " line 3 holds a NUL byte (at column 7); a command is text, and a shell command cannot hold one", refusal(f));
    }

    @Test
    void aLineLongerThanACommandMayBeIsRefusedWithItsLength() throws Exception {
        String longest = "x".repeat(Engine.MAX_COMMAND_LENGTH);
        assertEquals(List.of(longest), CommandFile.read(file("longest.txt", longest + "\n"), null), "the longest command there may be");
        String f = file("long.txt", "echo a\necho " + "x".repeat(1_000_000) + "\n");
        assertEquals(f + " line 2 is 1,000,005 characters long; a command may have at most 1,000,000", refusal(f));
    }

    @Test
    void bytesThatAreNotUtf8AreRefusedWithTheirPlace() throws Exception {
        String f = file("latin1.txt", new byte[] {'e', 'c', 'h', 'o', ' ', 'a', '\n', 'e', 'c', 'h', 'o', ' ', (byte) 0xE9, '\n'});
        assertEquals(f + " line 2 is not valid UTF-8 (byte 0xE9 at byte 6 of the line); multiproc reads commands as UTF-8: convert the "
                + "file, for example with iconv", refusal(f));
        String inComment = file("comment.txt", new byte[] {'#', ' ', (byte) 0xFF, '\n', 't', 'r', 'u', 'e', '\n'});
        assertEquals(inComment + " line 1 is not valid UTF-8 (byte 0xFF at byte 3 of the line); multiproc reads commands as UTF-8: "
                + "convert the file, for example with iconv", refusal(inComment), "a comment too: the file is not what it says");
    }

    @Test
    void aDirectoryOrAMissingFileIsNamed() throws Exception {
        String dir = Files.createDirectories(tmp.resolve("adir")).toString();
        assertEquals(dir + " is a directory, not a file of commands", refusal(dir));
        String missing = tmp.resolve("no-such.txt").toString();
        assertEquals("no such file: " + missing, refusal(missing));
    }
}
