package dev.multiproc.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.multiproc.testing.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The test server of {@code .ci/postgres}: durable as a production server is, and a database of its own per test. */
class PostgresServerTest {

    @Test
    void theTestServerCommitsDurablyAndGivesEachTestItsOwnDatabase() throws SQLException {
        PostgresServer server = PostgresServer.require();
        PostgresServer.Database db = server.createDatabase("server_test");
        try (db; Connection c = db.connect(); Statement s = c.createStatement()) {
            assertEquals("on", setting(s, "fsync"));
            assertEquals("on", setting(s, "synchronous_commit"));
            s.execute("CREATE TABLE t (x INTEGER)");
        }
        SQLException gone = assertThrows(SQLException.class, db::connect);
        assertEquals("3D000", gone.getSQLState(), "the database was dropped: " + gone.getMessage());
    }

    private static String setting(Statement s, String name) throws SQLException {
        try (ResultSet rs = s.executeQuery("SHOW " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
