package dev.switchboard.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.switchboard.db.DatabaseException;
import dev.switchboard.testing.TestClock;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.fake.FakeSecretsManager;
import dev.switchboard.wiring.Platform;
import dev.switchboard.wiring.SnapStartHooks;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * A secret rotated in (fake) Secrets Manager reaches a running function: after the cache's
 * bounded age, after a SnapStart restore, or at once when the database refuses the old login.
 * The real AWS SDK reads the fake; the database is real PostgreSQL.
 */
class SecretRotationTest {
  private final FakeSecretsManager secretsManager = new FakeSecretsManager();
  private final TestClock clock = new TestClock(Instant.parse("2026-12-02T07:00:00Z"));
  @RegisterExtension final TestWorld world = TestWorld.database();

  @AfterEach
  void tearDown() {
    secretsManager.close();
  }

  private Settings settings(Map<String, String> env) {
    SecretsManagerClient client = secretsManager.client();
    return new Settings(env, () -> new SecretsManagerSource(client), clock);
  }

  private long reads() {
    return secretsManager.callsOf(FakeSecretsManager.GET_SECRET_VALUE);
  }

  @Test
  void aRotatedSecret_isReadAgainOnceTheCacheIsOlderThanItsMaximumAge() {
    String arn = secretsManager.put("stripe-key", "sk_test_before");
    Settings settings = settings(Map.of("STRIPE_API_KEY_SECRET_ID", arn, Settings.MAX_AGE, "120"));
    assertEquals("sk_test_before", settings.require("STRIPE_API_KEY"));

    secretsManager.put("stripe-key", "sk_test_after");
    clock.advance(Duration.ofSeconds(119));
    assertEquals("sk_test_before", settings.require("STRIPE_API_KEY"), "still within its age");
    assertEquals(1, reads());

    clock.advance(Duration.ofSeconds(1));
    assertEquals("sk_test_after", settings.require("STRIPE_API_KEY"));
    assertEquals(2, reads());
  }

  @Test
  void theDefaultMaximumAge_isFiveMinutes() {
    String arn = secretsManager.put("vapi-key", "vapi-before");
    Settings settings = settings(Map.of("VAPI_API_KEY_SECRET_ID", arn));
    assertEquals("vapi-before", settings.require("VAPI_API_KEY"));

    secretsManager.put("vapi-key", "vapi-after");
    clock.advance(Duration.ofMinutes(5).minusSeconds(1));
    assertEquals("vapi-before", settings.require("VAPI_API_KEY"));
    clock.advance(Duration.ofSeconds(1));
    assertEquals("vapi-after", settings.require("VAPI_API_KEY"));
  }

  @Test
  void afterASnapStartRestore_theNextUseReadsEverySecretAgain() {
    String dbArn = secretsManager.put("database-url", world.db().jdbcUrl());
    String keyArn = secretsManager.put("stripe-key", "sk_test_frozen_in_the_snapshot");
    Settings settings = settings(Map.of("DATABASE_URL_SECRET_ID", dbArn, "STRIPE_API_KEY_SECRET_ID", keyArn));
    Platform platform = Platform.from(settings);
    SnapStartHooks hooks = new SnapStartHooks(platform, () -> settings.require("STRIPE_API_KEY"), List.of());
    hooks.beforeCheckpoint(null); // the version is published: values read now are in the snapshot

    secretsManager.put("stripe-key", "sk_test_rotated_after_publish");
    hooks.afterRestore(null); // seconds later, well within the cache's age

    assertEquals("sk_test_rotated_after_publish", settings.require("STRIPE_API_KEY"));
  }

  @Test
  void aDatabaseLoginRefusedAfterARotation_rereadsTheUrlOnce_andConnects() {
    String role = "rotating_" + UUID.randomUUID().toString().substring(0, 8);
    world.db().update("CREATE ROLE " + role + " LOGIN SUPERUSER");
    String arn = secretsManager.put("database-url", world.db().jdbcUrl().replace("user=postgres", "user=" + role));
    Platform platform = Platform.from(settings(Map.of("DATABASE_URL_SECRET_ID", arn)));
    assertEquals(role, platform.database().inTransaction(tx -> query(tx, "SELECT current_user")));

    // the rotation: a new login in the secret, the old one disabled; then the idle connection drops
    secretsManager.put("database-url", world.db().jdbcUrl());
    world.db().update("ALTER ROLE " + role + " NOLOGIN");
    platform.database().closeIdleConnections();
    long before = reads();

    assertEquals("postgres", platform.database().inTransaction(tx -> query(tx, "SELECT current_user")));
    assertEquals(before + 1, reads(), "read once more, within the cache's age");
  }

  @Test
  void aDatabaseLoginRefusedWithAnUnchangedSecret_failsAfterOneRead_withoutALoop() {
    String role = "retired_" + UUID.randomUUID().toString().substring(0, 8);
    world.db().update("CREATE ROLE " + role + " LOGIN SUPERUSER");
    String arn = secretsManager.put("database-url", world.db().jdbcUrl().replace("user=postgres", "user=" + role));
    Platform platform = Platform.from(settings(Map.of("DATABASE_URL_SECRET_ID", arn)));
    world.db().update("ALTER ROLE " + role + " NOLOGIN");
    long before = reads();

    DatabaseException e = assertThrows(DatabaseException.class,
        () -> platform.database().inTransaction(tx -> query(tx, "SELECT 1")));
    assertEquals("28000", e.sqlState());
    assertEquals(before + 1, reads());
  }

  private static String query(java.sql.Connection tx, String sql) throws java.sql.SQLException {
    try (var statement = tx.createStatement(); var rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getString(1);
    }
  }
}
