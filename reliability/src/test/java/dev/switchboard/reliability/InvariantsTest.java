package dev.switchboard.reliability;

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
