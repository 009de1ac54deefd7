package dev.switchboard.function.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.stripe.StripeEvents;
import dev.switchboard.testing.stripe.StripeEvents.TopUp;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * While the registrar replaces the endpoint (a stripe-java upgrade changes the API version),
 * Stripe sends each event to both endpoints under the same id, each copy rendered in its
 * endpoint's version, in either order. Whichever copy comes first, the event is applied once.
 */
class StripeWebhookApiVersionTest {
  /** The version the replaced endpoint was registered with (the previous stripe-java's). */
  private static final String OLD_VERSION = "2025-03-31.basil";

  @RegisterExtension final TestWorld world = TestWorld.database();
  private WebhookDriver f;
  private StripeEvents old;
  private UUID org;
  private TopUp topUp;

  @BeforeEach
  void setUp() {
    f = new WebhookDriver(world);
    old = f.stripe.inApiVersion(OLD_VERSION);
    org = f.eventOrg();
    topUp = StripeEvents.topUp(org, 5000);
  }

  private Map<String, Object> deliver(String body) {
    return f.send(f.delivery(body), 200).asMap();
  }

  @Test
  void topUp_oldVersionCopyFirst_thenOurs_creditsOnce() {
    String id = StripeEvents.id("evt");
    deliver(old.checkoutSessionCompleted(id, topUp));
    Map<String, Object> second = deliver(f.stripe.checkoutSessionCompleted(id, topUp));

    f.assertWallet(org, 5000);
    assertEquals(true, second.get("duplicate"));
    assertEquals("processed", f.eventRow(id).get("status"));
  }

  @Test
  void topUp_ourCopyFirst_thenTheOldVersions_creditsOnce() {
    String id = StripeEvents.id("evt");
    deliver(f.stripe.checkoutSessionCompleted(id, topUp));
    assertEquals(true, deliver(old.checkoutSessionCompleted(id, topUp)).get("duplicate"));
    f.assertWallet(org, 5000);
  }

  @Test
  void paymentIntentSucceeded_inEitherOrder_creditsOnce() {
    String first = StripeEvents.id("evt");
    deliver(old.paymentIntentSucceeded(first, topUp));
    deliver(f.stripe.paymentIntentSucceeded(first, topUp));
    f.assertWallet(org, 5000);

    TopUp another = StripeEvents.topUp(org, 3000);
    String second = StripeEvents.id("evt");
    deliver(f.stripe.paymentIntentSucceeded(second, another));
    deliver(old.paymentIntentSucceeded(second, another));
    f.assertWallet(org, 8000);
  }

  @Test
  void refund_oldVersionCopyFirst_thenOurs_debitsOnce() {
    deliver(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), topUp));
    String refund = StripeEvents.id("evt");
    deliver(old.chargeRefunded(refund, topUp, 2000));
    deliver(f.stripe.chargeRefunded(refund, topUp, 2000));
    f.assertWallet(org, 3000);
  }

  @Test
  void refund_ourCopyFirst_thenTheOldVersions_debitsOnce() {
    deliver(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), topUp));
    String refund = StripeEvents.id("evt");
    deliver(f.stripe.chargeRefunded(refund, topUp, 2000));
    deliver(old.chargeRefunded(refund, topUp, 2000));
    f.assertWallet(org, 3000);
  }

  @Test
  void refundBeforeItsCredit_inTheOldVersion_isSettledWhenTheCreditArrives() {
    deliver(old.chargeRefunded(StripeEvents.id("evt"), topUp, 1500));
    deliver(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), topUp));
    f.assertWallet(org, 3500);
  }

  /**
   * A copy our reading cannot use (a field renamed in that version) is recorded, but not as
   * final: the copy in our version still applies the event.
   */
  @Test
  void anOldVersionCopyWeCannotRead_isDeferred_andOurCopyStillApplies() {
    String id = StripeEvents.id("evt");
    String renamed = old.checkoutSessionCompleted(id, topUp)
        .replace("\"amount_total\" : 5000", "\"amount_total_pence\" : 5000");
    assertEquals(Map.of("received", true), deliver(renamed));
    Map<String, Object> row = f.eventRow(id);
    assertEquals("deferred", row.get("status"));
    String reason = (String) row.get("ignored_reason");
    assertTrue(reason.startsWith("amount_mismatch:") && reason.contains(OLD_VERSION), reason);
    f.assertWallet(org, 0);

    assertEquals(Map.of("received", true), deliver(f.stripe.checkoutSessionCompleted(id, topUp)));
    f.assertWallet(org, 5000);
    assertEquals("processed", f.eventRow(id).get("status"));
  }

  /**
   * An event created before the new endpoint existed reaches only the old one. Its copy is
   * all there will ever be: when our reading accepts it, it is credited.
   */
  @Test
  void anEventOnlyTheOldEndpointReceives_isCredited() {
    String id = StripeEvents.id("evt");
    deliver(old.checkoutSessionCompleted(id, topUp));
    f.assertWallet(org, 5000);
    assertEquals(OLD_VERSION, f.db.row("SELECT api_version FROM stripe_webhook_events WHERE event_id = ?", id)
        .get("api_version"));
  }
}
