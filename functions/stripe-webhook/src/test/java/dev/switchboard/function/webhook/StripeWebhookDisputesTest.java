package dev.switchboard.function.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.testing.ApiEvents;
import dev.switchboard.testing.Events;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.stripe.StripeEvents;
import dev.switchboard.testing.stripe.StripeEvents.TopUp;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Disputes (chargebacks): the bank takes a top-up's money back while the dispute is open, and
 * returns it when the dispute is won. The wallet gives back what the payment credited, never
 * more, once per dispute, whatever order Stripe delivers in.
 */
class StripeWebhookDisputesTest {
  @RegisterExtension final TestWorld world = TestWorld.database();
  private WebhookDriver f;
  private UUID org;
  private TopUp topUp;
  private String dispute;

  @BeforeEach
  void setUp() {
    f = new WebhookDriver(world);
    org = f.eventOrg();
    topUp = StripeEvents.topUp(org, 5000);
    dispute = StripeEvents.id("dp");
  }

  private Map<String, Object> deliver(String body) {
    return f.send(f.delivery(body), 200).asMap();
  }

  private void credit() {
    deliver(f.stripe.checkoutSessionCompleted(StripeEvents.id("evt"), topUp));
  }

  private String withdrawn(long amount) {
    return f.stripe.disputeFundsWithdrawn(StripeEvents.id("evt"), topUp, dispute, amount);
  }

  private String reinstated(long amount) {
    return f.stripe.disputeFundsReinstated(StripeEvents.id("evt"), topUp, dispute, amount);
  }

  /** Spends from the wallet as a number purchase would. */
  private void spend(long pence) {
    f.db.debit(org, pence, "number_purchase", "spent");
  }

  private List<Map<String, Object>> ledger(String type) {
    return f.db.rows("SELECT direction, amount_pence FROM credit_transactions WHERE org_id = ? AND type = ? ORDER BY seq",
        org, type);
  }

  private long shortfallOf(String disputeId) {
    return ((Number) f.db.row("SELECT shortfall_pence FROM stripe_disputes WHERE dispute_id = ?", disputeId)
        .get("shortfall_pence")).longValue();
  }

  @Test
  void fundsWithdrawn_debitsTheDisputedAmount_asADisputeEntry() {
    credit();
    String body = withdrawn(5000);
    deliver(body);

    f.assertWallet(org, 0);
    assertEquals(List.of(Map.of("direction", "debit", "amount_pence", 5000L)), ledger("dispute"));
    String eventId = body.substring(body.indexOf("evt_"), body.indexOf('"', body.indexOf("evt_")));
    assertEquals("processed", f.eventRow(eventId).get("status"));
  }

  @Test
  void fundsWithdrawn_afterTheMoneyWasSpent_debitsWhatIsLeft_andRecordsTheShortfall() {
    credit();
    spend(4000);
    deliver(withdrawn(5000));

    f.assertWallet(org, 0);
    assertEquals(List.of(Map.of("direction", "debit", "amount_pence", 1000L)), ledger("dispute"));
    assertEquals(4000, shortfallOf(dispute));
  }

  @Test
  void fundsReinstated_creditsBackWhatTheDisputeTook_neverMore() {
    credit();
    spend(4000);
    deliver(withdrawn(5000));
    deliver(reinstated(5000));

    // the dispute took 1000 from the wallet (4000 fell short): 1000 comes back, not 5000
    f.assertWallet(org, 1000);
    assertEquals(List.of(Map.of("direction", "credit", "amount_pence", 1000L)), ledger("dispute_reinstated"));
  }

  @Test
  void eachIsAppliedOnce_underRepeatedDeliveries_andUnderASecondEventForTheSameDispute() {
    credit();
    String body = withdrawn(3000);
    deliver(body);
    assertEquals(true, deliver(body).get("duplicate"));
    deliver(withdrawn(3000)); // another event id, same dispute
    f.assertWallet(org, 2000);

    String back = reinstated(3000);
    deliver(back);
    deliver(back);
    deliver(reinstated(3000));
    f.assertWallet(org, 5000);
    assertEquals(1, ledger("dispute").size());
    assertEquals(1, ledger("dispute_reinstated").size());
  }

  @Test
  void aWithdrawalBeforeItsCredit_isSettledWhenTheCreditArrives() {
    String early = withdrawn(5000);
    deliver(early);
    String eventId = early.substring(early.indexOf("evt_"), early.indexOf('"', early.indexOf("evt_")));
    assertEquals("ignored", f.eventRow(eventId).get("status"));
    f.assertWallet(org, 0);

    credit();
    f.assertWallet(org, 0);
    assertEquals(1, ledger("topup").size());
    assertEquals(1, ledger("dispute").size());
    assertEquals("processed", f.eventRow(eventId).get("status"));
  }

  @Test
  void aReinstatementBeforeItsWithdrawal_takesNothingAndGivesNothing() {
    credit();
    deliver(reinstated(5000));
    deliver(withdrawn(5000));
    f.assertWallet(org, 5000);
    assertEquals(0, ledger("dispute").size() + ledger("dispute_reinstated").size());
  }

  @Test
  void bothBeforeTheCredit_settleToNothing() {
    deliver(withdrawn(5000));
    deliver(reinstated(5000));
    credit();
    f.assertWallet(org, 5000);
  }

  @Test
  void aRefundThenADispute_togetherTakeBackNoMoreThanThePaymentCredited() {
    credit();
    deliver(f.stripe.chargeRefunded(StripeEvents.id("evt"), topUp, 3000));
    deliver(withdrawn(5000));
    f.assertWallet(org, 0);
    assertEquals(List.of(Map.of("direction", "debit", "amount_pence", 2000L)), ledger("dispute"));
    assertEquals(0, shortfallOf(dispute));
  }

  @Test
  void aDisputeThenARefund_theRefundTakesOnlyWhatTheDisputeLeft_andTheRestOnceTheDisputeIsWon() {
    credit();
    deliver(withdrawn(4000));
    deliver(f.stripe.chargeRefunded(StripeEvents.id("evt"), topUp, 2000));
    // 4000 disputed + 2000 refunded > 5000 credited: the refund takes the 1000 left
    f.assertWallet(org, 0);
    assertEquals(List.of(Map.of("direction", "debit", "amount_pence", 1000L)), ledger("stripe_refund"));

    // the dispute is won: its 4000 come back, and the refund takes the rest of its 2000 at once
    deliver(reinstated(4000));
    f.assertWallet(org, 3000);
    assertEquals(2, ledger("stripe_refund").size());
    // a later delivery of the same cumulative refund takes nothing more
    deliver(f.stripe.chargeRefunded(StripeEvents.id("evt"), topUp, 2000));
    f.assertWallet(org, 3000);
  }

  @Test
  void aDisputeInAnotherCurrency_orOfAChargeWithNoPaymentIntent_isIgnored() {
    credit();
    String usd = f.stripe.disputeFundsWithdrawn(StripeEvents.id("evt"), topUp.withCurrency("usd"), dispute, 5000);
    deliver(usd);
    String noIntent = withdrawn(5000).replace("\"payment_intent\" : \"" + topUp.paymentIntentId() + "\"",
        "\"payment_intent\" : null");
    deliver(noIntent);
    f.assertWallet(org, 5000);
    assertEquals(2, f.db.count("SELECT count(*) FROM stripe_webhook_events WHERE status = 'ignored'"));
    assertTrue(ledger("dispute").isEmpty());
  }

  @Test
  void theSampleEvents_withdrawThenReinstate() {
    // events/ samples: a £50 top-up (checkout file), then its dispute's two events
    f.send(ApiEvents.load(Events.STRIPE_DELIVERY_FILE), 200);
    f.send(ApiEvents.load("events/stripe-webhook-charge-dispute-funds-withdrawn.json"), 200);
    f.assertWallet(Events.ORG, 0);
    f.send(ApiEvents.load("events/stripe-webhook-charge-dispute-funds-reinstated.json"), 200);
    f.assertWallet(Events.ORG, 5000);
  }
}
