package dev.multiproc.h2;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Plain H2, no multiproc code: does a database file hold every commit that {@code commit()} returned?
 *
 * <p>A writer makes small transactions like a journal's (insert, update, delete of old rows, one counter
 * row) with {@code WRITE_DELAY=0}. After each commit returns, the file is copied while nothing writes it:
 * the copy is exactly what a {@code kill -9} at that moment would leave (the writes are in the kernel).
 * The copy is opened as a new database and its counter compared with the commits returned. No kill, no
 * timing: the same H2 version gives the same answer on every run.
 *
 * <p>Run in a JVM whose class path holds only the H2 jar under test and this class. Arguments: a work
 * directory, the number of commits, extra URL settings (may be empty), and optionally a file name under
 * which to keep the first snapshot that lost a commit. Prints one line per lost commit
 * ({@code LOST commit=N found=M}), {@code KEPT commit=N} when it kept one, and a last line
 * {@code DONE commits=N lost=K version=V}.
 */
public final class LostCommitReproducer {
    private LostCommitReproducer() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int commits = Integer.parseInt(args[1]);
        String settings = args.length > 2 ? args[2] : "";
        Path keep = args.length > 3 ? Path.of(args[3]) : null;
        Files.createDirectories(dir);
        String url = "jdbc:h2:file:" + dir.resolve("db") + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE" + settings;
        int lost = 0;
        String version;
        try (Connection c = DriverManager.getConnection(url, "sa", "")) {
            version = c.getMetaData().getDatabaseProductVersion();
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE item (id BIGINT PRIMARY KEY, payload VARCHAR)");
                s.execute("CREATE TABLE counter (k INT PRIMARY KEY, v BIGINT)");
                s.execute("INSERT INTO counter VALUES (1, 0)");
            }
            c.setAutoCommit(false);
            String text200 = "x".repeat(200);
            String text300 = "y".repeat(300);
            long nextId = 0;
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO item VALUES (?, ?)");
                 PreparedStatement update = c.prepareStatement("UPDATE item SET payload = ? WHERE id = ?");
                 PreparedStatement delete = c.prepareStatement("DELETE FROM item WHERE id < ?");
                 PreparedStatement bump = c.prepareStatement("UPDATE counter SET v = ? WHERE k = 1")) {
                for (int n = 1; n <= commits; n++) {
                    for (int i = 0; i < 5; i++) {
                        insert.setLong(1, nextId++);
                        insert.setString(2, text200);
                        insert.executeUpdate();
                    }
                    update.setString(1, text300);
                    update.setLong(2, nextId - 3);
                    update.executeUpdate();
                    delete.setLong(1, nextId - 500);
                    delete.executeUpdate();
                    bump.setLong(1, n);
                    bump.executeUpdate();
                    c.commit();
                    long found = snapshotCounter(dir, n, lost == 0 ? keep : null);
                    if (found < n) {
                        lost++;
                        System.out.println("LOST commit=" + n + " found=" + found);
                        if (keep != null && lost == 1) {
                            System.out.println("KEPT commit=" + n);
                        }
                    }
                }
            }
        }
        System.out.println("DONE commits=" + commits + " lost=" + lost + " version=" + version);
    }

    /** Copies the database file as it is now and reads the counter from the copy; keeps the copy as {@code keep} if it lost commit n. */
    private static long snapshotCounter(Path dir, int n, Path keep) throws Exception {
        Path snapshot = dir.resolve("snapshot");
        Files.createDirectories(snapshot);
        Path copy = snapshot.resolve("s" + n + ".mv.db");
        Files.copy(dir.resolve("db.mv.db"), copy, StandardCopyOption.REPLACE_EXISTING);
        String base = copy.toString().substring(0, copy.toString().length() - ".mv.db".length());
        if (keep != null) {
            Files.copy(copy, dir.resolve("snapshot.keep"), StandardCopyOption.REPLACE_EXISTING); // before H2 reads it
        }
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + base + ";ACCESS_MODE_DATA=r;IFEXISTS=TRUE", "sa", "");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT v FROM counter WHERE k = 1")) {
            long found = rs.next() ? rs.getLong(1) : -1;
            if (keep != null && found < n) {
                Files.move(dir.resolve("snapshot.keep"), keep, StandardCopyOption.REPLACE_EXISTING);
            }
            return found;
        } catch (SQLException e) {
            System.out.println("UNREADABLE commit=" + n + " " + e.getMessage().split("\n")[0]);
            return -1;
        } finally {
            Files.deleteIfExists(copy);
        }
    }
}
