package dev.switchboard.providers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.switchboard.config.SecretsManagerSource;
import dev.switchboard.config.Settings;
import dev.switchboard.domain.E164Number;
import dev.switchboard.providers.VoicePlatform.TwilioImport;
import dev.switchboard.providers.twilio.TwilioTelephony;
import dev.switchboard.providers.vapi.VapiVoicePlatform;
import dev.switchboard.testing.EmbeddedDatabase;
import dev.switchboard.testing.TestClock;
import dev.switchboard.testing.fake.FakeSecretsManager;
import dev.switchboard.testing.fake.FakeTwilio;
import dev.switchboard.testing.fake.FakeVapi;
import dev.switchboard.wiring.Platform;
import dev.switchboard.wiring.SnapStartHooks;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The Twilio master auth token and the Vapi API key rotated (at the provider, and in their
 * secrets) under clients built once per container: the next call uses the new
 * value after a SnapStart restore, after the cache's age, or at once through one re-read on
 * the provider's 401. The real twilio-java SDK, JDK HTTP client and AWS SDK talk to the fakes.
 */
class ProviderKeyRotationTest {
  private static final String NEW_TOKEN = "twilio-master-token-rotated";
  private static final String NEW_KEY = "vapi-private-key-rotated";

  private final FakeTwilio twilio = new FakeTwilio();
  private final FakeVapi vapi = new FakeVapi();
  private final FakeSecretsManager secretsManager = new FakeSecretsManager();
  private final TestClock clock = new TestClock(Instant.parse("2026-12-02T07:00:00Z"));
  private final String twilioTokenArn = secretsManager.put("twilio-master-auth-token", FakeTwilio.DEFAULT_MASTER_TOKEN);
  private final String vapiKeyArn = secretsManager.put("vapi-api-key", FakeVapi.DEFAULT_API_KEY);
  private final Settings settings = settings();
  private final TwilioTelephony telephony = TwilioTelephony.from(settings);
  private final VapiVoicePlatform voice = VapiVoicePlatform.from(settings);

  @AfterEach
  void tearDown() {
    twilio.close();
    vapi.close();
    secretsManager.close();
  }

  private Settings settings() {
    SecretsManagerClient client = secretsManager.client();
    return new Settings(Map.of(
        "DATABASE_URL", EmbeddedDatabase.shared().jdbcUrl("postgres"),
        "TWILIO_MASTER_AUTH_TOKEN_SECRET_ID", twilioTokenArn,
        "VAPI_API_KEY_SECRET_ID", vapiKeyArn,
        "TWILIO_MASTER_ACCOUNT_SID", FakeTwilio.DEFAULT_MASTER_SID,
        "TWILIO_API_BASE_URL", twilio.baseUrl(),
        "VAPI_API_BASE_URL", vapi.baseUrl(),
        "PROVIDER_CONNECT_TIMEOUT_MS", "1000",
        "PROVIDER_READ_TIMEOUT_MS", "2000"),
        () -> new SecretsManagerSource(client), clock);
  }

  /** Both rotated: the provider accepts only the new value, and the secret holds it. */
  private void rotateBoth() {
    twilio.rollMasterAuthToken(NEW_TOKEN);
    vapi.rollApiKey(NEW_KEY);
    secretsManager.put("twilio-master-auth-token", NEW_TOKEN);
    secretsManager.put("vapi-api-key", NEW_KEY);
  }

  private long secretReads() {
    return secretsManager.callsOf(FakeSecretsManager.GET_SECRET_VALUE);
  }

  private static TwilioImport anImport() {
    return new TwilioImport(new E164Number("+14155550100"), "AC" + "1".repeat(32), "subaccount-token",
        "Managed (inbound)", Optional.empty());
  }

  @Test
  void afterASnapStartRestore_bothProvidersGetTheRotatedValues_withoutA401() {
    SnapStartHooks hooks = new SnapStartHooks(Platform.from(settings), () -> { }, List.of());
    hooks.beforeCheckpoint(null); // the version is published with the values read so far
    rotateBoth(); // days later; the restore comes well within the cache's age
    hooks.afterRestore(null);

    assertEquals(List.of(), telephony.findSubaccounts("org-1"));
    assertEquals(List.of(), voice.listNumbers());
    assertEquals(1, twilio.count(FakeTwilio.LIST_ACCOUNTS), "no 401 first");
    assertEquals(1, vapi.count(FakeVapi.LIST), "no 401 first");
  }

  @Test
  void onceTheCacheIsOlderThanItsMaximumAge_bothProvidersGetTheRotatedValues() {
    rotateBoth();
    clock.advance(Duration.ofMinutes(5));

    assertEquals(List.of(), telephony.findSubaccounts("org-1"));
    assertEquals(List.of(), voice.listNumbers());
    assertEquals(1, twilio.count(FakeTwilio.LIST_ACCOUNTS), "no 401 first");
    assertEquals(1, vapi.count(FakeVapi.LIST), "no 401 first");
  }

  @Test
  void aTwilio401AfterARotation_rereadsTheTokenOnce_andTheRefusedCreateIsDoneOnce() {
    rotateBoth(); // within the cache's age: only the 401 tells

    telephony.createSubaccount("org-1");

    assertEquals(1, twilio.subaccounts().size());
    assertEquals(2, twilio.count(FakeTwilio.CREATE_ACCOUNT), "the refused request, then the one with the new token");
  }

  @Test
  void aVapi401AfterARotation_rereadsTheKeyOnce_andTheRefusedImportIsDoneOnce() {
    rotateBoth();

    voice.importTwilioNumber(anImport());

    assertEquals(1, vapi.numbers().size());
    assertEquals(2, vapi.count(FakeVapi.CREATE), "the refused request, then the one with the new key");
  }

  @Test
  void a401WithAnUnchangedSecret_failsAfterOneReread_withoutARetry() {
    twilio.rollMasterAuthToken(NEW_TOKEN); // revoked at the provider, the secret not updated
    vapi.rollApiKey(NEW_KEY);
    long before = secretReads();

    ProviderRejected twilioRefusal = assertThrows(ProviderRejected.class, () -> telephony.createSubaccount("org-1"));
    ProviderRejected vapiRefusal = assertThrows(ProviderRejected.class, () -> voice.importTwilioNumber(anImport()));

    assertEquals(401, twilioRefusal.status());
    assertEquals(401, vapiRefusal.status());
    assertEquals(1, twilio.count(FakeTwilio.CREATE_ACCOUNT));
    assertEquals(1, vapi.count(FakeVapi.CREATE));
    assertEquals(before + 2, secretReads(), "one re-read per refusal");
  }
}
