package dev.switchboard.crypto;

import static dev.switchboard.crypto.SecretCipherTest.NEW;
import static dev.switchboard.crypto.SecretCipherTest.OLD;
import static dev.switchboard.crypto.SecretCipherTest.ROW_A;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.switchboard.config.Credential;
import dev.switchboard.config.SecretsManagerSource;
import dev.switchboard.config.Settings;
import dev.switchboard.crypto.SecretCipher.UndecryptableSecret;
import dev.switchboard.testing.EmbeddedDatabase;
import dev.switchboard.testing.TestClock;
import dev.switchboard.testing.fake.FakeSecretsManager;
import dev.switchboard.wiring.Platform;
import dev.switchboard.wiring.SnapStartHooks;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * A key added to ENCRYPTION_KEY's ring (in its fake Secrets Manager secret, as deployed)
 * reaches an instance whose cipher was built before: after a SnapStart restore, after the
 * cache's age, or at once when it meets a row written with the new key by another instance.
 */
class KeyRingRotationTest {
  private static final String BEFORE = "k1:" + OLD;
  private static final String ROTATED = "k2:" + NEW + ",k1:" + OLD;

  private final FakeSecretsManager secretsManager = new FakeSecretsManager();
  private final TestClock clock = new TestClock(Instant.parse("2026-12-02T07:00:00Z"));
  private final String ringArn = putRing(BEFORE);
  private final Settings settings = settings();
  private final SecretCipher cipher = SecretCipher.from(new Credential(settings, "ENCRYPTION_KEY"));

  @AfterEach
  void tearDown() {
    secretsManager.close();
  }

  private String putRing(String ring) {
    return secretsManager.put("encryption-key", ring);
  }

  private Settings settings() {
    SecretsManagerClient client = secretsManager.client();
    return new Settings(Map.of("DATABASE_URL", EmbeddedDatabase.shared().jdbcUrl("postgres"),
        "ENCRYPTION_KEY_SECRET_ID", ringArn), () -> new SecretsManagerSource(client), clock);
  }

  private static String keyIdOf(String stored) {
    return stored.split(":")[1];
  }

  @Test
  void afterASnapStartRestore_newWritesUseTheKeyAddedByTheRotation() {
    SnapStartHooks hooks = new SnapStartHooks(Platform.from(settings), () -> cipher.encrypt("priming", ROW_A), List.of());
    hooks.beforeCheckpoint(null);
    putRing(ROTATED);
    hooks.afterRestore(null);

    assertEquals("k2", keyIdOf(cipher.encrypt("token-of-org-a", ROW_A)));
    assertEquals("k2", cipher.newestKeyId());
  }

  @Test
  void onceTheCacheIsOlderThanItsMaximumAge_newWritesUseTheNewKey() {
    assertEquals("k1", keyIdOf(cipher.encrypt("token-of-org-a", ROW_A)));
    putRing(ROTATED);
    clock.advance(Duration.ofMinutes(5));

    assertEquals("k2", keyIdOf(cipher.encrypt("token-of-org-a", ROW_A)));
  }

  @Test
  void aRowWrittenWithANewKeyByAnotherInstance_readsTheRingAgainOnce_andOpens() {
    assertEquals("k1", cipher.newestKeyId());
    putRing(ROTATED);
    String writtenElsewhere = SecretCipher.fromHexKey(ROTATED).encrypt("token-of-org-a", ROW_A);
    long before = secretsManager.callsOf(FakeSecretsManager.GET_SECRET_VALUE);

    assertEquals("token-of-org-a", cipher.decrypt(writtenElsewhere, ROW_A));
    assertEquals(before + 1, secretsManager.callsOf(FakeSecretsManager.GET_SECRET_VALUE));
  }

  @Test
  void aRowWithAKeyTheStoredRingDoesNotHold_failsAfterOneRead() {
    String unknownKey = SecretCipher.fromHexKey("k9:" + NEW).encrypt("token-of-org-a", ROW_A);
    long before = secretsManager.callsOf(FakeSecretsManager.GET_SECRET_VALUE);

    assertThrows(UndecryptableSecret.class, () -> cipher.decrypt(unknownKey, ROW_A));
    assertEquals(before + 1, secretsManager.callsOf(FakeSecretsManager.GET_SECRET_VALUE));
  }
}
