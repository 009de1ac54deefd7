package dev.switchboard.schema;

import java.util.Map;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Applies the migrations under {@code db/migration}. Flyway validates the checksums of the
 * migrations already applied, so a schema edited by hand, or a migration file edited after it
 * ran, stops the deployment instead of drifting silently.
 *
 * <p>It connects as the schema owner. The application role the other functions use (V20) is
 * named by the placeholder {@code appRole}: {@link #DEFAULT_APP_ROLE} unless configured.
 */
public final class SchemaMigrator {
  public static final String DEFAULT_APP_ROLE = "switchboard_app";
  /** A plain lower-case PostgreSQL identifier: nothing to quote, nothing to inject. */
  private static final Pattern ROLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private final String jdbcUrl;
  private final String user;
  private final String password;
  private final String appRole;

  public SchemaMigrator(String jdbcUrl, String user, String password) {
    this(jdbcUrl, user, password, DEFAULT_APP_ROLE);
  }

  public SchemaMigrator(String jdbcUrl, String user, String password, String appRole) {
    if (!isRoleName(appRole)) {
      throw new IllegalArgumentException("the application role must be a lower-case identifier");
    }
    this.jdbcUrl = jdbcUrl;
    this.user = user;
    this.password = password;
    this.appRole = appRole;
  }

  public static boolean isRoleName(String name) {
    return name != null && ROLE.matcher(name).matches();
  }

  /** Brings the database to the latest version; a no-op when it is there already. */
  public Result migrate() {
    Flyway flyway = Flyway.configure()
        .dataSource(jdbcUrl, user, password)
        .locations("classpath:db/migration")
        .placeholders(Map.of("appRole", appRole))
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
