package dev.switchboard.function.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.testing.ApiEvents;
import dev.switchboard.testing.Events;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.stripe.StripeEvents;
import dev.switchboard.testing.stripe.StripeEvents.TopUp;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What each event does to the wallet, and what is refused (recorded, never credited). */
class StripeWebhookEventsTest {
  @RegisterExtension final TestWorld world = TestWorld.database();
  private WebhookDriver f;
  private UUID org;
  private TopUp topUp;

  @BeforeEach
  void setUp() {
    f = new WebhookDriver(world);
    org = f.eventOrg();
    topUp = StripeEvents.topUp(org, 5000);
  }

  /** Delivers a correctly signed event that must not credit: 200, recorded ignored, wallet untouched. */
  private void assertIgnored(String body, String reason) {
    String eventId = body.substring(body.indexOf("evt_"), body.indexOf('"', body.indexOf("evt_")));
    assertEquals(Map.of("received", true), f.send(f.delivery(body), 200).asMap());
    Map<String, Object> row = f.eventRow(eventId);
    assertEquals("ignored", row.get("status"));
    assertTrue(((String) row.get("ignored_reason")).startsWith(reason + ":"), (String) row.get("ignored_reason"));
    f.assertWallet(org, 0);
    assertEquals(0, f.db.count("SELECT count(*) FROM credit_transactions"));
  }

  @Test
  void checkoutSession_storesTheStripeCustomerOnTheOrg() {
    f.send(f.delivery(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), topUp)), 200);
    assertEquals(topUp.customerId(),
        f.db.row("SELECT stripe_customer_id FROM organizations WHERE id = ?", org).get("stripe_customer_id"));
  }

  @Test
  void sessionNotPaid_isIgnored() {
    assertIgnored(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), topUp.withPaymentStatus("unpaid")),
        "not_paid");
  }

  @Test
  void amountChargedOtherThanAskedFor_isIgnored() {
    assertIgnored(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), topUp.withAmountCharged(500)),
        "amount_mismatch");
  }

  @Test
  void currencyOtherThanGbp_isIgnored() {
    assertIgnored(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), topUp.withCurrency("usd")),
        "currency_mismatch");
  }

  @Test
  void unknownOrg_isIgnored() {
    assertIgnored(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"),
        topUp.withOrg(UUID.randomUUID().toString())), "unknown_org");
    assertIgnored(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), topUp.withOrg("not-a-uuid")),
        "unknown_org");
  }

  @Test
  void checkoutForSomethingOtherThanATopUp_isIgnored() {
    assertIgnored(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), topUp.withType("subscription")),
        "not_wallet_topup");
  }

  @Test
  void aSessionWithAFieldOfTheWrongType_isIgnoredAsMalformed_notRetriedForever() {
    String body = f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), topUp)
        .replace("\"amount_total\" : 5000", "\"amount_total\" : \"5000\"");
    assertIgnored(body, "malformed_object");
  }

  @Test
  void anUnhandledEventType_isIgnored() {
    assertIgnored(f.stripe.other(StripeEvents.id("evt"), "customer.created", "customer"), "unhandled_type");
  }

  @Test
  void paymentIntentSafetyNet_afterTheSession_doesNotCreditAgain_butStoresTheCard() {
    f.send(ApiEvents.load(Events.STRIPE_DELIVERY_FILE), 200);
    f.send(ApiEvents.load("events/stripe-webhook-payment-intent-succeeded.json"), 200);

    f.assertWallet(org, 5000);
    assertEquals(2, f.db.count("SELECT count(*) FROM stripe_webhook_events WHERE status = 'processed'"));
    Map<String, Object> o = f.db.row("SELECT stripe_customer_id, stripe_default_pm_id FROM organizations WHERE id = ?", org);
    assertTrue(((String) o.get("stripe_customer_id")).startsWith("cus_"));
    assertTrue(((String) o.get("stripe_default_pm_id")).startsWith("pm_"));
  }

  @Test
  void paymentIntentSafetyNet_whenTheSessionEventIsLost_creditsOnce_andTheLateSessionDoesNot() {
    f.send(f.delivery(f.stripe.paymentIntentSucceeded(StripeEvents.id("evt"), topUp)), 200);
    f.assertWallet(org, 5000);
    f.send(f.delivery(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), topUp)), 200);
    f.assertWallet(org, 5000);
  }

  @Test
  void paymentIntentForAnAmountOtherThanAskedFor_isIgnored() {
    assertIgnored(f.stripe.paymentIntentSucceeded(StripeEvents.id("evt"), topUp.withAmountCharged(100)),
        "amount_mismatch");
  }

  @Test
  void autoRechargePaymentIntent_isCreditedAsAutoRecharge() {
    f.send(f.delivery(f.stripe.paymentIntentSucceeded(StripeEvents.id("evt"),
        topUp.withType("wallet_auto_recharge"))), 200);
    f.assertWallet(org, 5000);
    assertEquals("auto_recharge", f.db.row("SELECT type FROM credit_transactions").get("type"));
  }

  @Test
  void refund_fromEventsFile_debitsOnce_evenWhenDeliveredAgain() {
    f.send(ApiEvents.load(Events.STRIPE_DELIVERY_FILE), 200);
    f.send(ApiEvents.load("events/stripe-webhook-charge-refunded.json"), 200);
    f.assertWallet(org, 3000);
    f.send(ApiEvents.load("events/stripe-webhook-charge-refunded.json"), 200);
    f.assertWallet(org, 3000);
  }

  @Test
  void refunds_debitOnlyWhatWasNewlyRefunded() {
    f.send(f.delivery(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), topUp)), 200);
    f.send(f.delivery(f.stripe.chargeRefunded(StripeEvents.id("evt"), topUp, 1000)), 200);
    f.assertWallet(org, 4000);
    // a second partial refund: Stripe reports the running total
    f.send(f.delivery(f.stripe.chargeRefunded(StripeEvents.id("evt"), topUp, 3000)), 200);
    f.assertWallet(org, 2000);
    // an older event arriving late changes nothing
    f.send(f.delivery(f.stripe.chargeRefunded(StripeEvents.id("evt"), topUp, 1000)), 200);
    f.assertWallet(org, 2000);
    f.send(f.delivery(f.stripe.chargeRefunded(StripeEvents.id("evt"), topUp, 5000)), 200);
    f.assertWallet(org, 0);
    assertEquals(3, f.db.count("SELECT count(*) FROM credit_transactions WHERE type = 'stripe_refund'"));
  }

  @Test
  void refund_ofMoneyAlreadySpent_takesWhatIsLeft_andRecordsTheShortfall() {
    f.send(f.delivery(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), topUp)), 200);
    f.db.debit(org, 4000, "number_purchase", "numbers");
    String refundId = StripeEvents.id("evt");
    f.send(f.delivery(f.stripe.chargeRefunded(refundId, topUp, 5000)), 200);

    f.assertWallet(org, 0);
    assertEquals("processed", f.eventRow(refundId).get("status"));
    Map<String, Object> shortfall = f.db.row(
        "SELECT refunded_pence, debited_pence, shortfall_pence FROM stripe_refund_shortfalls");
    assertEquals(Map.of("refunded_pence", 5000L, "debited_pence", 1000L, "shortfall_pence", 4000L), shortfall);

    // the shortfall counts as accounted for: the same total again takes nothing more
    f.db.credit(org, 2500, "adjustment", "later top-up");
    f.send(f.delivery(f.stripe.chargeRefunded(StripeEvents.id("evt"), topUp, 5000)), 200);
    f.assertWallet(org, 2500);
  }

  @Test
  void refund_ofAPaymentThatWasNoTopUp_isIgnored() {
    assertIgnored(f.stripe.chargeRefunded(StripeEvents.id("evt"), topUp, 5000), "no_credited_top_up");
  }

  @Test
  void refund_deliveredBeforeTheTopUpWasCredited_isAppliedWhenTheCreditLands() {
    String refundId = StripeEvents.id("evt");
    f.send(f.delivery(f.stripe.chargeRefunded(refundId, topUp, 2000)), 200);
    f.assertWallet(org, 0);
    assertEquals("ignored", f.eventRow(refundId).get("status"));

    f.send(f.delivery(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), topUp)), 200);
    f.assertWallet(org, 3000);
    assertEquals("processed", f.eventRow(refundId).get("status"));
    // the PaymentIntent safety net and a re-delivered refund change nothing more
    f.send(f.delivery(f.stripe.paymentIntentSucceeded(StripeEvents.id("evt"), topUp)), 200);
    f.send(f.delivery(f.stripe.chargeRefunded(refundId, topUp, 2000)), 200);
    f.assertWallet(org, 3000);
  }

  @Test
  void severalRefunds_deliveredBeforeTheTopUpWasCredited_areAllMarkedProcessedWhenTheCreditLands() {
    // two partial refunds: amount_refunded is cumulative, so the second (3000) covers the first (1000)
    String first = StripeEvents.id("evt");
    String second = StripeEvents.id("evt");
    f.send(f.delivery(f.stripe.chargeRefunded(first, topUp, 1000)), 200);
    f.send(f.delivery(f.stripe.chargeRefunded(second, topUp, 3000)), 200);

    f.send(f.delivery(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), topUp)), 200);

    f.assertWallet(org, 2000);
    assertEquals("processed", f.eventRow(first).get("status"), "settled by the credit, not ignored");
    assertEquals("processed", f.eventRow(second).get("status"));
    assertEquals(0, f.db.count("SELECT count(*) FROM stripe_webhook_events WHERE status = 'ignored'"),
        "nothing counted for the ignored-events alarm");
  }

  @Test
  void refundAndCredit_arrivingTogether_alwaysEndAtTheRefundedBalance() throws Exception {
    for (int round = 0; round < 10; round++) {
      TopUp payment = StripeEvents.topUp(org, 5000);
      var refund = f.delivery(f.stripe.chargeRefunded(StripeEvents.id("evt"), payment, 5000));
      var credit = f.delivery(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), payment));
      var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
      var a = pool.submit(() -> f.send(refund));
      var b = pool.submit(() -> f.send(credit));
      assertEquals(200, a.get().getStatusCode());
      assertEquals(200, b.get().getStatusCode());
      pool.shutdown();
      f.assertWallet(org, 0);
    }
  }
}
