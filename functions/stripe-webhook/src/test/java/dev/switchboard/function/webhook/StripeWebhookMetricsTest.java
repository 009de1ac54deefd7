package dev.switchboard.function.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.switchboard.testing.EmittedMetrics;
import dev.switchboard.testing.EmittedMetrics.Datum;
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
 * The money metrics the real webhook handler emits, read back from its output as CloudWatch
 * would read them: one credit per payment with its pence, refunds, disputes and shortfalls, and
 * the lag from Stripe's {@code created} to the application, once the transaction has committed.
 */
class StripeWebhookMetricsTest {
  @RegisterExtension final TestWorld world = TestWorld.database();
  private WebhookDriver f;
  private UUID org;
  private TopUp topUp;
  /** Events Stripe created 95 s before the handler's clock. */
  private StripeEvents stripe;

  @BeforeEach
  void setUp() {
    f = new WebhookDriver(world);
    org = f.eventOrg();
    topUp = StripeEvents.topUp(org, 5000);
    stripe = new StripeEvents(com.stripe.Stripe.API_VERSION, f.clock.instant().minusSeconds(95));
  }

  private List<Datum> deliver(String body) throws Exception {
    return EmittedMetrics.during(() -> f.send(f.delivery(body), 200));
  }

  @Test
  void aTopUp_isCountedOnce_withItsPence_andItsLag_thoughBothEventsOfThePaymentArrive() throws Exception {
    List<Datum> session = deliver(stripe.checkoutSessionCompleted(StripeEvents.id("evt"), topUp));
    List<Datum> intent = deliver(stripe.paymentIntentSucceeded(StripeEvents.id("evt"), topUp));

    assertEquals(1, EmittedMetrics.sum(session, "TopUpsCredited"));
    assertEquals(5000, EmittedMetrics.sum(session, "TopUpPenceCredited"));
    assertEquals(95, EmittedMetrics.sum(session, "WebhookLag"));
    assertEquals(List.of("Seconds"), session.stream().filter(d -> d.name().equals("WebhookLag")).map(Datum::unit).toList());
    // the payment's other event credits nothing new: no second top-up, but it was applied, with its lag
    assertEquals(0, EmittedMetrics.sum(intent, "TopUpsCredited"));
    assertEquals(95, EmittedMetrics.sum(intent, "WebhookLag"));
    f.assertWallet(org, 5000);
  }

  @Test
  void aRefundOfMoneyAlreadySpent_isARefundApplied_andAShortfallWithItsPence() throws Exception {
    deliver(stripe.checkoutSessionCompleted(StripeEvents.id("evt"), topUp));
    f.db.debit(org, 4000, "number_purchase", "spent");

    List<Datum> refund = deliver(stripe.chargeRefunded(StripeEvents.id("evt"), topUp, 5000));

    assertEquals(1, EmittedMetrics.sum(refund, "RefundsApplied"));
    assertEquals(1, EmittedMetrics.sum(refund, "Shortfalls"));
    assertEquals(4000, EmittedMetrics.sum(refund, "ShortfallPence"));
    assertEquals(0, EmittedMetrics.sum(refund, "TopUpsCredited"));
    f.assertWallet(org, 0);
  }

  @Test
  void disputes_areCountedByWhatTheFundsDid_andARedeliveryCountsNothing() throws Exception {
    deliver(stripe.checkoutSessionCompleted(StripeEvents.id("evt"), topUp));
    String dispute = StripeEvents.id("dp");
    String withdrawn = stripe.disputeFundsWithdrawn(StripeEvents.id("evt"), topUp, dispute, 5000);

    List<Datum> first = deliver(withdrawn);
    List<Datum> again = deliver(withdrawn);
    List<Datum> reinstated = deliver(stripe.disputeFundsReinstated(StripeEvents.id("evt"), topUp, dispute, 5000));

    assertEquals(Map.of(Map.of("Funds", "withdrawn"), 1.0), EmittedMetrics.sums(first, "DisputesApplied"));
    assertEquals(List.of(), again, "a duplicate delivery changes nothing, so it counts nothing");
    assertEquals(Map.of(Map.of("Funds", "reinstated"), 1.0), EmittedMetrics.sums(reinstated, "DisputesApplied"));
    assertEquals(0, EmittedMetrics.sum(first, "Shortfalls"));
    f.assertWallet(org, 5000);
  }

  @Test
  void anIgnoredEvent_countsNoMoney() throws Exception {
    List<Datum> ignored = deliver(stripe.checkoutSessionCompleted(StripeEvents.id("evt"),
        topUp.withPaymentStatus("unpaid")));

    assertEquals(List.of(), ignored);
    f.assertWallet(org, 0);
  }
}
