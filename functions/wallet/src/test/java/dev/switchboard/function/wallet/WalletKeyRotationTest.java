package dev.switchboard.function.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.config.SecretsManagerSource;
import dev.switchboard.config.Settings;
import dev.switchboard.testing.TestClock;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.fake.FakeSecretsManager;
import dev.switchboard.testing.fake.FakeStripe;
import dev.switchboard.wiring.Platform;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** The Stripe key rolled (old one expired at once) under a warm, restored WalletFunction. */
class WalletKeyRotationTest {
  @RegisterExtension final TestWorld world = TestWorld.providers();
  private final FakeSecretsManager secretsManager = new FakeSecretsManager();
  private final TestClock clock = new TestClock(Instant.parse("2026-12-02T07:00:00Z"));

  @AfterEach
  void tearDown() {
    secretsManager.close();
  }

  private WalletHandler publishAndRestore(String keyArn) {
    SecretsManagerClient client = secretsManager.client();
    Settings settings = new Settings(Map.of(
        "DATABASE_URL", world.db().jdbcUrl(),
        "STRIPE_API_KEY_SECRET_ID", keyArn,
        "STRIPE_API_BASE_URL", world.stripe().baseUrl(),
        "TOP_UP_SUCCESS_URL", TestWorld.TOP_UP_SUCCESS_URL,
        "TOP_UP_CANCEL_URL", TestWorld.TOP_UP_CANCEL_URL),
        () -> new SecretsManagerSource(client), clock);
    WalletHandler handler = new WalletHandler(Platform.from(settings));
    handler.snapStart().beforeCheckpoint(null);
    handler.snapStart().afterRestore(null);
    return handler;
  }

  private int topUp(WalletHandler handler, String idempotencyKey) {
    APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent("events/wallet-top-up.json");
    event.getHeaders().put("idempotency-key", idempotencyKey);
    APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);
    return response.getStatusCode();
  }

  @Test
  void aKeyRolledAtStripe_isReadAgainOnThe401_andTheTopUpSucceeds() {
    world.db().eventOrg();
    String arn = secretsManager.put("stripe-key", FakeStripe.DEFAULT_API_KEY);
    WalletHandler handler = publishAndRestore(arn);
    assertEquals(201, topUp(handler, "rotation-1"));

    world.stripe().rollApiKey("sk_test_rolled_key_0000000000000000");
    secretsManager.put("stripe-key", "sk_test_rolled_key_0000000000000000");

    assertEquals(201, topUp(handler, "rotation-2"));
    assertEquals(2, world.stripe().successCount(FakeStripe.CREATE_SESSION));
  }

  @Test
  void aKeyRefusedThatWasNotRotated_isA502_afterOneRead() {
    world.db().eventOrg();
    String arn = secretsManager.put("stripe-key", "sk_test_revoked_key_00000000000000");
    WalletHandler handler = publishAndRestore(arn);
    long before = secretsManager.callsOf(FakeSecretsManager.GET_SECRET_VALUE);

    assertEquals(502, topUp(handler, "revoked-1"));
    assertEquals(before + 2, secretsManager.callsOf(FakeSecretsManager.GET_SECRET_VALUE),
        "the first use after the restore, and one re-read on the 401");
  }
}
