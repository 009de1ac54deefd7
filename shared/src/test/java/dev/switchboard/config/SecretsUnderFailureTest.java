package dev.switchboard.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.testing.TestClock;
import dev.switchboard.testing.fake.FakeSecretsManager;
import dev.switchboard.testing.fake.Fault;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Secrets read through the real AWS SDK from a fake Secrets Manager, when things go wrong
 * around them: the cache expires while a refused call is in flight, and Secrets Manager itself
 * fails after the cache's age.
 */
class SecretsUnderFailureTest {
  private final FakeSecretsManager secretsManager = new FakeSecretsManager();
  private final TestClock clock = new TestClock(Instant.parse("2026-12-02T07:00:00Z"));
  private final String arn = secretsManager.put("vapi-key", "vapi-before");
  private final Settings settings = new Settings(Map.of("VAPI_API_KEY_SECRET_ID", arn),
      () -> new SecretsManagerSource(secretsManager.client()), clock);
  private final Credential key = new Credential(settings, "VAPI_API_KEY");

  @AfterEach
  void tearDown() {
    secretsManager.close();
  }

  /**
   * The call used the cached key; Vapi refused it because the key was rotated; while the call
   * was in flight the cache reached its age. The re-read must compare with the key Vapi refused,
   * not with what the cache holds by then (already the new key), or the call is not retried.
   */
  @Test
  void aRereadAfterARefusal_comparesWithTheRefusedValue_evenWhenTheCacheExpiredMeanwhile() {
    String used = key.current();
    secretsManager.put("vapi-key", "vapi-after");
    clock.advance(Duration.ofMinutes(6));

    assertTrue(key.reread(used), "the store holds another key than the refused one: worth one more try");
    assertEquals("vapi-after", key.current());
  }

  @Test
  void aRereadThatFindsTheRefusedValueAgain_isNotWorthARetry() {
    String used = key.current();
    clock.advance(Duration.ofMinutes(6));
    assertEquals(false, key.reread(used));
  }

  /**
   * Secrets Manager fails after the cache's age: the last value read is served, for a bounded
   * time, rather than failing every provider call of a warm container; then it is refused.
   */
  @Test
  void whenSecretsManagerFailsAfterTheCacheAge_theLastValueIsServed_forABoundedTime() {
    assertEquals("vapi-before", settings.require("VAPI_API_KEY"));
    secretsManager.failAlways(FakeSecretsManager.ROUTE, Fault.status(500));
    clock.advance(Duration.ofMinutes(6));

    assertEquals("vapi-before", settings.require("VAPI_API_KEY"));
    long reads = secretsManager.count(FakeSecretsManager.ROUTE);
    clock.advance(Duration.ofSeconds(10));
    assertEquals("vapi-before", settings.require("VAPI_API_KEY"));
    assertEquals(reads, secretsManager.count(FakeSecretsManager.ROUTE),
        "a failed refresh is not tried again on every use: it waits a little");

    clock.advance(Settings.STALE_GRACE);
    assertThrows(RuntimeException.class, () -> settings.require("VAPI_API_KEY"), "stale beyond the grace");
  }

  @Test
  void onceSecretsManagerAnswersAgain_theFreshValueIsRead() {
    assertEquals("vapi-before", settings.require("VAPI_API_KEY"));
    secretsManager.failAlways(FakeSecretsManager.ROUTE, Fault.status(500));
    clock.advance(Duration.ofMinutes(6));
    assertEquals("vapi-before", settings.require("VAPI_API_KEY"));

    secretsManager.heal();
    secretsManager.put("vapi-key", "vapi-after");
    clock.advance(Duration.ofMinutes(1));
    assertEquals("vapi-after", settings.require("VAPI_API_KEY"));
  }

  /** A secret never read before cannot be served stale: the failure is the answer. */
  @Test
  void aSecretNeverReadBefore_failsWhileSecretsManagerFails() {
    secretsManager.failAlways(FakeSecretsManager.ROUTE, Fault.status(500));
    assertThrows(RuntimeException.class, () -> settings.require("VAPI_API_KEY"));
  }
}
