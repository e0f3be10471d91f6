import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Run by SecurityTest as the second user, with H2 on its classpath: makes a database of its own (the first argument),
 * then tries to connect with each (url, user, password) of the other arguments and prints one line for each:
 * "CONNECTED url as USER" or "REFUSED url as user: code message".
 */
public class H2Attack {
    public static void main(String[] args) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:" + args[0], "sa", "sa"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS MINE(X INT)");
        }
        System.out.println("own database ready");
        for (int i = 1; i + 2 < args.length; i += 3) {
            try (Connection c = DriverManager.getConnection(args[i], args[i + 1], args[i + 2]); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT CURRENT_USER")) {
                rs.next();
                System.out.println("CONNECTED " + args[i] + " as " + rs.getString(1));
            } catch (SQLException e) {
                System.out.println("REFUSED " + args[i] + " as " + args[i + 1] + ": " + e.getErrorCode() + " " + e.getMessage().split("\n")[0]);
            }
        }
    }
}
