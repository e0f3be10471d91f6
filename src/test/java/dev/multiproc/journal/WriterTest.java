package dev.multiproc.journal;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** A test of the journal writer on a real H2 file of its own, which it opens itself and which is closed after it. */
abstract class WriterTest {
    @TempDir
    Path tmp;

    Journal journal;
    JournalWriter writer;

    @AfterEach
    void close() {
        if (writer != null) {
            writer.close();
        }
        if (journal != null) {
            journal.close();
        }
    }

    /** Opens the journal in {@code dir} and a writer on it (an exit information limit of 100). */
    void open(Path dir) {
        journal = Journal.open(JournalDirectory.prepare(dir));
        writer = new JournalWriter(journal, 100, 1);
    }
}
