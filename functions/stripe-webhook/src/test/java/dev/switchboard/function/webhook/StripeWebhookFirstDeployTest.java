package dev.switchboard.function.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.switchboard.config.SecretsManagerSource;
import dev.switchboard.config.Settings;
import dev.switchboard.testing.TestClock;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.fake.FakeSecretsManager;
import dev.switchboard.testing.stripe.StripeEvents;
import dev.switchboard.testing.stripe.StripeSignatures;
import dev.switchboard.wiring.Platform;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * A new stack: the signing secret exists with no value when the function's version is
 * published (SnapStart runs the constructor and beforeCheckpoint then), and gets its value
 * only later, from the StripeWebhookEndpoint custom resource. Real AWS SDK, fake Secrets Manager.
 */
class StripeWebhookFirstDeployTest {
  @RegisterExtension final TestWorld world = TestWorld.database();
  private final FakeSecretsManager secretsManager = new FakeSecretsManager();
  private final String secretArn = secretsManager.create("StripeWebhookSigningSecret-n3wSt4ck");
  private WebhookDriver f;
  private TestClock clock;
  private UUID org;
  private StripeEvents stripe;

  @BeforeEach
  void setUp() {
    f = new WebhookDriver(world);
    clock = world.clock();
    org = f.eventOrg();
    stripe = world.stripeEvents();
  }

  @AfterEach
  void tearDown() {
    secretsManager.close();
  }

  private StripeWebhookHandler publishVersion() {
    Map<String, String> env = new HashMap<>(f.settings());
    env.remove("STRIPE_WEBHOOK_SECRET");
    env.put("STRIPE_WEBHOOK_SECRET_SECRET_ID", secretArn);
    SecretsManagerClient client = secretsManager.client();
    StripeWebhookHandler handler = new StripeWebhookHandler(
        Platform.from(new Settings(env, () -> new SecretsManagerSource(client))), clock);
    handler.snapStart().beforeCheckpoint(null);
    handler.snapStart().afterRestore(null);
    return handler;
  }

  private String delivery(String secret, int expectedStatus) {
    String body = stripe.checkoutSessionCompleted("evt_first_deploy_1", StripeEvents.topUp(org, 5000));
    var event = f.delivery(body, StripeSignatures.header(body, secret, clock.instant()));
    var response = f.send(event);
    assertEquals(expectedStatus, response.getStatusCode(), response.getBody());
    return response.getBody();
  }

  @Test
  void publishingTheVersion_readsNoSecret_andDeliveriesWaitWith503UntilTheSecretExists() {
    f.handler = publishVersion();
    assertEquals(0, secretsManager.callsOf(FakeSecretsManager.GET_SECRET_VALUE), "nothing read at publish");

    String body = delivery("whsec_not_yet_known", 503);
    assertEquals("webhook_not_ready", f.errorCode(f.delivery("{}", "t=1,v1=00"), 503));
    assertEquals(1, secretsManager.callsOf(FakeSecretsManager.GET_SECRET_VALUE), "a missing secret is read once a minute");
    f.assertWallet(org, 0);
    assertEquals(0, f.eventRows(), "nothing recorded");
    assertEquals(false, body.contains("whsec_"));

    // the custom resource registers the endpoint and stores its secret; Stripe retries later
    secretsManager.put(secretArn, "whsec_test_registered_by_the_stack");
    clock.advance(Duration.ofMinutes(1));
    delivery("whsec_test_registered_by_the_stack", 200);
    f.assertWallet(org, 5000);

    delivery("whsec_test_registered_by_the_stack", 200); // a retry: credited once
    f.assertWallet(org, 5000);
  }
}
