package dev.switchboard.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.switchboard.testing.stripe.StripeEvents;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The suite's end-state checks fail when their guarantee is broken: none of them can pass vacuously. */
class InvariantsTest {
  private final Rig rig = new Rig();
  private final UUID org = rig.eventOrg();

  @AfterEach
  void tearDown() {
    rig.close();
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
    assertThrows(AssertionError.class, () -> Invariants.assertSettled(rig.world));
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
