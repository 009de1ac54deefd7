package dev.switchboard.function.webhook;

import static dev.switchboard.testing.Events.NOW;
import static dev.switchboard.testing.Events.WEBHOOK_SECRET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.stripe.net.Webhook;
import dev.switchboard.config.Settings;
import dev.switchboard.stripe.WebhookSecrets;
import dev.switchboard.testing.ApiEvents;
import dev.switchboard.testing.Events;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.stripe.StripeEvents;
import dev.switchboard.testing.stripe.StripeSignatures;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Only a delivery Stripe signed, over exactly these bytes, recently, gets through. */
class StripeWebhookSignatureTest {
  @RegisterExtension final TestWorld world = TestWorld.database();
  private WebhookDriver f;
  private UUID org;
  private String body;

  @BeforeEach
  void setUp() {
    f = new WebhookDriver(world);
    org = f.eventOrg();
    body = f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), StripeEvents.topUp(org, 5000));
  }

  private void assertRejectedWithNothingChanged(APIGatewayV2HTTPEvent event) {
    assertEquals("invalid_signature", f.errorCode(event, 400));
    assertEquals(0, f.eventRows(), "nothing recorded");
    f.assertWallet(org, 0);
  }

  @Test
  void ourSigner_signsExactlyAsStripeJavaDoes() throws Exception {
    long t = NOW.getEpochSecond();
    assertEquals(Webhook.Signature.generateSignatureHeader(body, WEBHOOK_SECRET, t),
        StripeSignatures.header(body, WEBHOOK_SECRET, NOW));
  }

  @Test
  void delivery_withPlainBodyFromEventsFile_andCapitalisedHeader_isCredited() {
    APIGatewayV2HTTPEvent event = ApiEvents.load(Events.STRIPE_DELIVERY_FILE);
    assertEquals(Map.of("received", true), f.send(event, 200).asMap());
    f.assertWallet(org, 5000);
  }

  @Test
  void delivery_withBase64BodyFromEventsFile_isVerifiedOnTheDecodedBytes() {
    APIGatewayV2HTTPEvent event =
        ApiEvents.load("events/stripe-webhook-checkout-session-completed-base64.json");
    f.send(event, 200);
    f.assertWallet(org, 2500);
  }

  @Test
  void delivery_withoutSignatureHeader_isRejected() {
    assertRejectedWithNothingChanged(f.delivery(body, null));
  }

  @Test
  void delivery_signedWithAnotherSecret_isRejected() {
    assertRejectedWithNothingChanged(
        f.delivery(body, StripeSignatures.header(body, "whsec_test_someone_else", NOW)));
  }

  @Test
  void delivery_withGarbageHeader_isRejected() {
    assertRejectedWithNothingChanged(f.delivery(body, "t=abc,v1=not-hex"));
  }

  @Test
  void delivery_whoseSignatureCoversAnotherBody_isRejected() {
    String other = f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), StripeEvents.topUp(org, 9000));
    assertRejectedWithNothingChanged(f.delivery(body, StripeSignatures.header(other, WEBHOOK_SECRET, NOW)));
  }

  @Test
  void delivery_whoseBodyWasAlteredByOneByte_isRejected() {
    String signature = StripeSignatures.header(body, WEBHOOK_SECRET, NOW);
    String altered = body.replace("\"amount_total\" : 5000", "\"amount_total\" : 5001");
    assertFalse(altered.equals(body));
    assertRejectedWithNothingChanged(f.delivery(altered, signature));
  }

  @Test
  void delivery_signed301SecondsAgo_isRejected() {
    assertRejectedWithNothingChanged(
        f.delivery(body, StripeSignatures.header(body, WEBHOOK_SECRET, NOW.minusSeconds(301))));
  }

  @Test
  void delivery_signed300SecondsAgo_isStillAccepted() {
    f.send(f.delivery(body, StripeSignatures.header(body, WEBHOOK_SECRET, NOW.minusSeconds(300))), 200);
    f.assertWallet(org, 5000);
  }

  @Test
  void delivery_whileStripeRollsTheSecret_verifiesWithEitherSignature() {
    f.send(f.delivery(body, StripeSignatures.header(body, NOW, "whsec_test_new_one", WEBHOOK_SECRET)), 200);
    f.assertWallet(org, 5000);
  }

  @Test
  void signedBodyThatIsNotJson_isInvalidPayload_andNothingRecorded() {
    String notJson = "{\"id\": \"evt_1\", ";
    assertEquals("invalid_payload", f.errorCode(f.delivery(notJson), 400));
    assertEquals("invalid_payload", f.errorCode(f.delivery("{\"id\":\"not-an-event-id\",\"type\":\"x\",\"data\":{\"object\":{}}}"), 400));
    assertEquals(0, f.eventRows());
  }

  @Test
  void afterTheSecretWasRotated_theFirstDeliveryRereadsItAndIsAccepted() {
    AtomicReference<String> stored = new AtomicReference<>(WEBHOOK_SECRET);
    AtomicInteger reads = new AtomicInteger();
    Map<String, String> env = f.settings();
    env.remove("STRIPE_WEBHOOK_SECRET");
    env.put("STRIPE_WEBHOOK_SECRET_SECRET_ID", "switchboard/stripe-webhook-secret");
    f.handler = f.handler(new Settings(env, () -> id -> {
      reads.incrementAndGet();
      return stored.get();
    }));
    assertEquals(0, reads.get(), "nothing read at start-up");
    f.send(f.delivery(body), 200);
    assertEquals(1, reads.get(), "read on the first delivery");

    stored.set("whsec_test_rotated_by_redeploy");
    String next = f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), StripeEvents.topUp(org, 700));
    f.send(f.delivery(next, StripeSignatures.header(next, "whsec_test_rotated_by_redeploy", NOW)), 200);

    assertEquals(2, reads.get());
    f.assertWallet(org, 5700);
  }

  @Test
  void forgedDeliveries_rereadTheSecretAtMostOnceAMinute() {
    AtomicInteger reads = new AtomicInteger();
    Map<String, String> env = f.settings();
    env.remove("STRIPE_WEBHOOK_SECRET");
    env.put("STRIPE_WEBHOOK_SECRET_SECRET_ID", "switchboard/stripe-webhook-secret");
    f.handler = f.handler(new Settings(env, () -> id -> {
      reads.incrementAndGet();
      return WEBHOOK_SECRET;
    }));
    for (int i = 0; i < 5; i++) {
      assertEquals("invalid_signature",
          f.errorCode(f.delivery(body, StripeSignatures.header(body, "whsec_test_forger", NOW)), 400));
    }
    assertEquals(2, reads.get(), "the first read plus one re-read");
  }

  @Test
  void withoutASigningSecret_theFunctionStarts_andAnswers503SoStripeRetries() {
    Map<String, String> env = f.settings();
    env.remove("STRIPE_WEBHOOK_SECRET");
    f.handler = f.handler(Settings.of(env));
    assertEquals("webhook_not_ready", f.errorCode(f.delivery(body), 503));
    assertEquals(0, f.eventRows(), "nothing recorded");
    f.assertWallet(org, 0);
  }

  @Test
  void afterTheEndpointWasReplaced_deliveriesSignedWithThePreviousKey_areAcceptedOnlyWhileTheSecretKeepsIt() {
    String replaced = "whsec_test_of_the_replaced_endpoint";
    // no fixed end: the registrar clears the key when the replaced endpoint is deleted
    WebhookSecrets rolled = WebhookSecrets.replacing("we_new", WEBHOOK_SECRET, "we_old", replaced);
    Map<String, String> env = f.settings();
    env.put("STRIPE_WEBHOOK_SECRET", rolled.stored());
    f.handler = f.handler(Settings.of(env));

    f.send(f.delivery(body, StripeSignatures.header(body, replaced, NOW)), 200);
    String next = f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), StripeEvents.topUp(org, 700));
    f.send(f.delivery(next), 200);
    f.assertWallet(org, 5700);

    env.put("STRIPE_WEBHOOK_SECRET", rolled.withoutPrevious().stored());
    f.handler = f.handler(Settings.of(env));
    String late = f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), StripeEvents.topUp(org, 900));
    assertEquals("invalid_signature", f.errorCode(f.delivery(late, StripeSignatures.header(late, replaced, NOW)), 400));

    // an older registrar's previousUntil still ends it
    env.put("STRIPE_WEBHOOK_SECRET", "{\"endpointId\":\"we_new\",\"current\":\"" + WEBHOOK_SECRET
        + "\",\"previousEndpointId\":\"we_old\",\"previous\":\"" + replaced + "\",\"previousUntil\":\""
        + NOW.minus(Duration.ofMinutes(1)) + "\"}");
    f.handler = f.handler(Settings.of(env));
    assertEquals("invalid_signature", f.errorCode(f.delivery(late, StripeSignatures.header(late, replaced, NOW)), 400));
    f.assertWallet(org, 5700);
  }

  @Test
  void theSecret_neverAppearsInAnAnswer() {
    String answer = f.send(f.delivery(body, StripeSignatures.header(body, "whsec_x", Instant.EPOCH))).getBody();
    assertFalse(answer.contains(WEBHOOK_SECRET));
  }
}
