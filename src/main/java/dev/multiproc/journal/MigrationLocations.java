package dev.multiproc.journal;

import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;

/**
 * Where Flyway finds the journal's migrations: {@code db/migration} holds those both databases run as they are;
 * {@code db/h2} and {@code db/postgresql} the versions whose SQL must differ (the views' time functions).
 */
final class MigrationLocations {
    private MigrationLocations() {
    }

    static String[] of(DataSource ds) {
        boolean postgres = ds instanceof HikariDataSource h && h.getJdbcUrl() != null && h.getJdbcUrl().startsWith("jdbc:postgresql:");
        return new String[] {"classpath:db/migration", postgres ? "classpath:db/postgresql" : "classpath:db/h2"};
    }
}
