package dev.switchboard.function.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.config.Settings;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.stripe.StripeEvents;
import dev.switchboard.testing.stripe.StripeEvents.TopUp;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Development, staging and production often share one Stripe account, and every endpoint of
 * the account receives every event; a staging database cloned from production has the same
 * organisations. Each stack credits only the payments its own top-ups started.
 */
class StripeWebhookSharedAccountTest {
  private static final String STAGING = "arn:aws:cloudformation:eu-west-2:123456789012:stack/switchboard-staging/8d1c";
  private static final String PRODUCTION = "arn:aws:cloudformation:eu-west-2:123456789012:stack/switchboard-production/f03a";

  @RegisterExtension final TestWorld world = TestWorld.database();
  private WebhookDriver f;
  private UUID org;

  @BeforeEach
  void setUp() {
    f = new WebhookDriver(world);
    org = f.eventOrg();
  }

  private void stack(String stackId) {
    Map<String, String> settings = f.settings();
    if (stackId != null) {
      settings.put("STACK_ID", stackId);
    }
    f.handler = f.handler(Settings.of(settings));
  }

  private String reason(String body) {
    String eventId = body.substring(body.indexOf("evt_"), body.indexOf('"', body.indexOf("evt_")));
    f.send(f.delivery(body), 200);
    Map<String, Object> row = f.eventRow(eventId);
    return row.get("status") + " " + row.get("ignored_reason");
  }

  @Test
  void anotherStacksTopUp_isIgnored_asSessionAndAsPaymentIntent() {
    stack(STAGING);
    TopUp production = StripeEvents.topUp(org, 5000).withStack(PRODUCTION);
    String session = reason(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), production));
    String intent = reason(f.stripe.paymentIntentSucceeded(StripeEvents.id("evt"), production));

    assertTrue(session.startsWith("ignored other_stack:") && session.contains(PRODUCTION), session);
    assertTrue(intent.startsWith("ignored other_stack:"), intent);
    f.assertWallet(org, 0);
  }

  @Test
  void itsOwnTopUp_isCredited() {
    stack(STAGING);
    f.send(f.delivery(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"),
        StripeEvents.topUp(org, 5000).withStack(STAGING))), 200);
    f.assertWallet(org, 5000);
  }

  /** Sessions made before stacks named themselves carry no stack: credited, as they were. */
  @Test
  void aTopUpThatNamesNoStack_isCredited() {
    stack(STAGING);
    f.send(f.delivery(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), StripeEvents.topUp(org, 5000))), 200);
    f.assertWallet(org, 5000);
  }

  @Test
  void aStackWithNoIdentity_stillIgnoresOneThatNamesAStack() {
    stack(null);
    String session = reason(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"),
        StripeEvents.topUp(org, 5000).withStack(PRODUCTION)));
    assertEquals("ignored", session.split(" ")[0]);
    f.assertWallet(org, 0);
  }

  /** A refund of another stack's payment finds no credit of it here, and takes nothing. */
  @Test
  void aRefundOfAnotherStacksPayment_takesNothing() {
    stack(STAGING);
    TopUp ours = StripeEvents.topUp(org, 5000).withStack(STAGING);
    TopUp theirs = StripeEvents.topUp(org, 5000).withStack(PRODUCTION);
    f.send(f.delivery(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), ours)), 200);
    f.send(f.delivery(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), theirs)), 200);
    f.send(f.delivery(f.stripe.chargeRefunded(StripeEvents.id("evt"), theirs, 5000)), 200);
    f.assertWallet(org, 5000);
  }
}
