package dev.switchboard.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.stripe.StripeEvents;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The suite's end-state checks fail when their guarantee is broken: none of them can pass vacuously. */
class InvariantsTest {
  @RegisterExtension final TestWorld world = TestWorld.providers().asApplicationRole();
  private Rig rig;
  private UUID org;

  @BeforeEach
  void setUp() {
    rig = new Rig(world);
    org = rig.eventOrg();
  }

  @Test
  void aNumberHeldAtTwilioWithoutAnActiveRecord_isCaught() {
    rig.provisioned(org, "inbound");
    String account = (String) rig.world.db.row("SELECT account_sid FROM twilio_subaccounts").get("account_sid");
    rig.world.twilio.plantNumber(account, "+14155550199");
    assertThrows(AssertionError.class, () -> Invariants.assertSettled(rig.world));
  }

  @Test
  void anActiveRecordWhoseNumberTwilioNoLongerHolds_isCaught() {
    rig.provisioned(org, "inbound");
    String phone = (String) rig.world.db.row("SELECT phone_number FROM managed_phone_numbers").get("phone_number");
    rig.world.twilio.removeNumber(phone);
    assertThrows(AssertionError.class, () -> Invariants.assertSettled(rig.world));
  }

  @Test
  void anEventMarkedProcessedWithoutItsCredit_isCaught() {
    rig.world.db.update("""
        INSERT INTO stripe_webhook_events (event_id, event_type, status, payload, processed_at)
        VALUES (?, 'checkout.session.completed', 'processed', '{}'::jsonb, now())
        """, StripeEvents.id("evt"));
    assertThrows(AssertionError.class, () -> Invariants.assertSettled(rig.world));
  }

  /**
   * Two partial refunds delivered before their top-up: the late credit settles both with one
   * debit, and both events are processed. That is their effect, not a missing one.
   */
  @Test
  void refundsSettledTogetherByALateCredit_pass() {
    StripeEvents.TopUp topUp = StripeEvents.topUp(org, 5000);
    deliver(rig.stripeEvents.chargeRefunded(StripeEvents.id("evt"), topUp, 1000));
    deliver(rig.stripeEvents.chargeRefunded(StripeEvents.id("evt"), topUp, 3000));
    deliver(rig.stripeEvents.checkoutSessionCompleted(StripeEvents.id("evt"), topUp));
    assertEquals(2, rig.world.db.count(
        "SELECT count(*) FROM stripe_webhook_events WHERE event_type = 'charge.refunded' AND status = 'processed'"));
    Invariants.assertSettled(rig.world);
  }

  @Test
  void aRefundMarkedProcessedWithoutItsDebit_isCaught() {
    StripeEvents.TopUp topUp = StripeEvents.topUp(org, 5000);
    deliver(rig.stripeEvents.checkoutSessionCompleted(StripeEvents.id("evt"), topUp));
    // recorded as processed, but nothing was debited for it
    rig.world.db.update("""
        INSERT INTO stripe_webhook_events (event_id, event_type, status, payload, processed_at)
        VALUES (?, 'charge.refunded', 'processed', ?::jsonb, now())
        """, StripeEvents.id("evt"), rig.stripeEvents.chargeRefunded(StripeEvents.id("evt"), topUp, 2000));
    assertCaughtBy(Invariants.REFUNDS_DIFFER);
  }

  @Test
  void disputesSettledByALateCredit_pass() {
    StripeEvents.TopUp topUp = StripeEvents.topUp(org, 5000);
    String dispute = StripeEvents.id("dp");
    deliver(rig.stripeEvents.disputeFundsWithdrawn(StripeEvents.id("evt"), topUp, dispute, 5000));
    deliver(rig.stripeEvents.chargeRefunded(StripeEvents.id("evt"), topUp, 1000));
    deliver(rig.stripeEvents.checkoutSessionCompleted(StripeEvents.id("evt"), topUp));
    deliver(rig.stripeEvents.disputeFundsReinstated(StripeEvents.id("evt"), topUp, dispute, 5000));
    Invariants.assertSettled(rig.world);
  }

  @Test
  void aDisputeThatTookBackMoreThanItsPaymentCredited_isCaught() {
    StripeEvents.TopUp topUp = StripeEvents.topUp(org, 5000);
    deliver(rig.stripeEvents.checkoutSessionCompleted(StripeEvents.id("evt"), topUp));
    deliver(rig.stripeEvents.chargeRefunded(StripeEvents.id("evt"), topUp, 1000));
    // a dispute of the whole 5000 applied as if the refund had not happened
    rig.world.db.update("""
        INSERT INTO stripe_disputes (dispute_id, stripe_payment_intent_id, stripe_charge_id, amount_pence,
               withdrawn_event_id, org_id, taken_pence, debited_pence, shortfall_pence, withdrawal_applied_at)
        VALUES (?, ?, ?, 5000, ?, ?, 5000, 0, 5000, now())
        """, StripeEvents.id("dp"), topUp.paymentIntentId(), topUp.chargeId(), StripeEvents.id("evt"), org);
    assertCaughtBy(Invariants.TAKEN_BACK_TOO_MUCH);
  }

  @Test
  void aDisputeWhoseDebitIsMissing_isCaught() {
    StripeEvents.TopUp topUp = StripeEvents.topUp(org, 5000);
    deliver(rig.stripeEvents.checkoutSessionCompleted(StripeEvents.id("evt"), topUp));
    rig.world.db.update("""
        INSERT INTO stripe_disputes (dispute_id, stripe_payment_intent_id, stripe_charge_id, amount_pence,
               withdrawn_event_id, org_id, taken_pence, debited_pence, shortfall_pence, withdrawal_applied_at)
        VALUES (?, ?, ?, 2000, ?, ?, 2000, 2000, 0, now())
        """, StripeEvents.id("dp"), topUp.paymentIntentId(), topUp.chargeId(), StripeEvents.id("evt"), org);
    assertCaughtBy(Invariants.DISPUTE_LEDGER_DIFFERS);
  }

  @Test
  void aDisputeWithdrawalMarkedProcessedButNeverApplied_isCaught() {
    StripeEvents.TopUp topUp = StripeEvents.topUp(org, 5000);
    deliver(rig.stripeEvents.checkoutSessionCompleted(StripeEvents.id("evt"), topUp));
    String eventId = StripeEvents.id("evt");
    rig.world.db.update("""
        INSERT INTO stripe_webhook_events (event_id, event_type, status, payload, processed_at)
        VALUES (?, 'charge.dispute.funds_withdrawn', 'processed', ?::jsonb, now())
        """, eventId, rig.stripeEvents.disputeFundsWithdrawn(eventId, topUp, StripeEvents.id("dp"), 2000));
    assertCaughtBy(Invariants.DISPUTE_NOT_APPLIED);
  }

  /** The end-state check fails, and for the reason the test is about (not another one). */
  private void assertCaughtBy(String invariant) {
    AssertionError e = assertThrows(AssertionError.class, () -> Invariants.assertSettled(rig.world));
    assertTrue(e.getMessage().startsWith(invariant), "caught by another check: " + e.getMessage());
  }

  private void deliver(String body) {
    assertEquals(200, rig.webhook().handleRequest(Rig.stripeDelivery(body), null).getStatusCode());
  }

  @Test
  void aSagaLeftUnfinished_isCaught() {
    String id = rig.provisioned(org, "outbound");
    // the release dies after Vapi, before Twilio, and no reconcile runs
    assertThrows(Crash.class, () -> rig.releasing(step -> {
      throw new Crash("after " + step);
    }).handleRequest(Rig.releaseEvent(org, id), null));
    assertThrows(AssertionError.class, () -> Invariants.assertSettled(rig.world));
  }
}
