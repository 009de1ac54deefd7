package dev.switchboard.schema;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Applies the migrations under {@code db/migration}. Flyway validates the checksums of the
 * migrations already applied, so a schema edited by hand, or a migration file edited after it
 * ran, stops the deployment instead of drifting silently.
 */
public final class SchemaMigrator {
  private final String jdbcUrl;
  private final String user;
  private final String password;

  public SchemaMigrator(String jdbcUrl, String user, String password) {
    this.jdbcUrl = jdbcUrl;
    this.user = user;
    this.password = password;
  }

  /** Brings the database to the latest version; a no-op when it is there already. */
  public Result migrate() {
    Flyway flyway = Flyway.configure()
        .dataSource(jdbcUrl, user, password)
        .locations("classpath:db/migration")
        .validateMigrationNaming(true)
        .cleanDisabled(true)
        .load();
    MigrateResult result = flyway.migrate();
    String version = flyway.info().current() == null
        ? "0" : flyway.info().current().getVersion().getVersion();
    return new Result(result.migrationsExecuted, version);
  }

  /** How many migrations ran now, and the schema version afterwards. */
  public record Result(int applied, String schemaVersion) {}
}
