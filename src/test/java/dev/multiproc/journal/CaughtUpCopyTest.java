package dev.multiproc.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The caught-up directory's rules, on files of chosen names (ReadersOfALaggingFileTest has them made by real readers). */
class CaughtUpCopyTest {
    private static final String KEY = "0123456789abcdef0123456789abcdef";
    private static final String LEAST = "0".repeat(64);
    private static final String MOST = "f".repeat(64);

    @TempDir
    Path tmp;
    private JournalDirectory dir;
    private Path caughtUp;

    @BeforeEach
    void aJournalDirectoryWithACaughtUpDirectory() throws Exception {
        dir = JournalDirectory.prepare(tmp.resolve("journal"));
        caughtUp = Files.createDirectory(dir.root().resolve("caught-up"), PosixFilePermissions.asFileAttribute(JournalDirectory.DIR_MODE));
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private Path kept(String key, String digest, byte[] bytes) throws Exception {
        return Files.write(caughtUp.resolve(key + "-" + digest + ".mv.db"), bytes);
    }

    private Set<String> names() throws Exception {
        try (var files = Files.list(caughtUp)) {
            return Set.copyOf(files.map(f -> f.getFileName().toString()).toList());
        }
    }

    @Test
    void readersKeepingAtOnceLeaveTheCopyOfTheLeastNameAndTheOthersGo() throws Exception {
        kept(KEY, LEAST, new byte[] {1});
        kept(KEY, MOST, new byte[] {2});
        kept("f".repeat(32), LEAST, new byte[] {3}); // of another state
        Path partialOfAGoneReader = Files.write(caughtUp.resolve("partial-4194305-1.tmp"), new byte[4]);
        Path partialOfThisOne = Files.write(caughtUp.resolve("partial-" + ProcessHandle.current().pid() + "-1.tmp"), new byte[4]);
        Path partialOfAnHourAgo = Files.write(caughtUp.resolve("partial-" + ProcessHandle.current().pid() + "-2.tmp"), new byte[4]);
        Files.setLastModifiedTime(partialOfAnHourAgo, FileTime.fromMillis(System.currentTimeMillis() - 3_700_000));
        Path mine = Files.writeString(tmp.resolve("mine.mv.db"), "caught up", StandardCharsets.US_ASCII);

        CaughtUpCopy.keep(dir, KEY, mine);

        assertEquals(Set.of(KEY + "-" + LEAST + ".mv.db", partialOfThisOne.getFileName().toString()), names(),
                "its own copy went too, for the one of the least name; so did the other state's and the partials of readers gone");
        assertFalse(Files.exists(partialOfAGoneReader));
    }

    @Test
    void aCopyWhoseBytesAreNotTheOnesKeptIsDeletedAndTheNextTaken() throws Exception {
        byte[] good = "the state, caught up".getBytes(StandardCharsets.US_ASCII);
        Path damaged = kept(KEY, LEAST, "damaged since".getBytes(StandardCharsets.US_ASCII));
        kept(KEY, sha256(good), good);
        Path target = tmp.resolve("reader").resolve("kept.mv.db");
        Files.createDirectories(target.getParent());
        List<Path> offered = new java.util.ArrayList<>();

        assertTrue(CaughtUpCopy.copyKept(dir, KEY, target, copied -> offered.add(copied)));

        assertArrayEquals(good, Files.readAllBytes(target));
        assertEquals(List.of(target), offered, "only a copy whose bytes are the ones kept is offered for opening");
        assertFalse(Files.exists(damaged), "its owner's reader deletes a damaged copy");
    }

    @Test
    void aCopyThatDoesNotOpenAtTheCommittedGenerationIsDeleted() throws Exception {
        byte[] older = "made by another version".getBytes(StandardCharsets.US_ASCII);
        Path copy = kept(KEY, sha256(older), older);
        Path target = tmp.resolve("kept.mv.db");

        assertFalse(CaughtUpCopy.copyKept(dir, KEY, target, copied -> false));

        assertFalse(Files.exists(target), "the reader's directory keeps nothing of it");
        assertFalse(Files.exists(copy));
        assertEquals(Set.of(), names());
    }
}
