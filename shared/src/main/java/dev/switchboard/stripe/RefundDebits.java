package dev.switchboard.stripe;

import static dev.switchboard.stripe.StripeObjects.idOf;

import dev.switchboard.domain.OrgId;
import dev.switchboard.domain.Pence;
import dev.switchboard.json.JsonObject;
import dev.switchboard.org.Organizations;
import dev.switchboard.wallet.Ledger;
import dev.switchboard.wallet.RefundShortfalls;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/**
 * charge.refunded: takes back from the wallet what Stripe refunded of a top-up.
 *
 * <p>{@code amount_refunded} is cumulative (two partial refunds send two events, the second
 * with the sum), so only the part not yet accounted for is debited: the total refunded minus
 * what earlier refunds debited or recorded as a shortfall. Under the org's row lock, so two
 * refund events of one payment cannot both take the same amount. The wallet cannot go below
 * zero: what it cannot cover is recorded as a shortfall rather than failing the event forever.
 *
 * <p>Stripe does not deliver in order: a refund of a top-up not yet credited is recorded, and
 * {@link #settleEarlierRefunds} applies it when the credit lands. What the payment's open
 * disputes hold back is not refunded again: refunds and disputes of one payment together
 * never take back more than it credited.
 */
final class RefundDebits {
  private final Ledger ledger = new Ledger();
  private final RefundShortfalls shortfalls = new RefundShortfalls();
  private final Organizations organizations = new Organizations();
  private final StripeWebhookEvents events = new StripeWebhookEvents();
  private final StripeDisputes disputes = new StripeDisputes();

  EventDecision apply(Connection tx, StripeEvent event) throws SQLException {
    JsonObject charge = event.object();
    Optional<String> paymentIntent = idOf(charge, "payment_intent");
    if (paymentIntent.isEmpty()) {
      return EventDecision.ignored(null, "not_a_top_up", "the charge has no PaymentIntent");
    }
    String currency = charge.optString("currency").orElse("");
    if (!TopUpCredits.CURRENCY.equals(currency)) {
      return EventDecision.ignored(null, "currency_mismatch", "currency is " + currency);
    }
    String chargeId = charge.string("id");
    long refundedTotal = charge.longValue("amount_refunded");

    PaymentLocks.lock(tx, paymentIntent.get());
    Optional<Ledger.TopUpCredit> topUp = ledger.topUpCredit(tx, paymentIntent.get());
    if (topUp.isEmpty()) {
      return EventDecision.ignored(null, "no_credited_top_up", "PaymentIntent " + paymentIntent.get()
          + " paid for no credited top-up; if it is credited later, this refund is applied then");
    }
    Pence shortfall = debitNewlyRefunded(tx, topUp.get(), paymentIntent.get(), chargeId, refundedTotal,
        event.id());
    return EventDecision.appliedWithShortfall(topUp.get().orgId(), shortfall);
  }

  /**
   * Called with the PaymentIntent lock held, right after a top-up was credited (or a dispute of
   * it was reinstated): debits what recorded refund events reported and no debit or shortfall
   * accounts for yet. Returns the shortfall, if any.
   */
  Pence settleEarlierRefunds(Connection tx, Ledger.TopUpCredit credit, String paymentIntent)
      throws SQLException {
    Optional<StripeWebhookEvents.RecordedRefund> refund = events.largestRefund(tx, paymentIntent);
    if (refund.isEmpty()) {
      return Pence.ZERO;
    }
    return debitNewlyRefunded(tx, credit, paymentIntent, refund.get().chargeId(),
        refund.get().amountRefunded(), refund.get().eventId());
  }

  private Pence debitNewlyRefunded(Connection tx, Ledger.TopUpCredit topUp, String paymentIntent,
                                   String chargeId, long amountRefunded, String eventId) throws SQLException {
    OrgId org = topUp.orgId();
    long refundedTotal = Math.min(amountRefunded,
        topUp.amount().value() - disputes.heldBack(tx, paymentIntent).value());
    Pence balance = organizations.lock(tx, org).balance();
    long accounted = ledger.refundedFrom(tx, paymentIntent).value()
        + shortfalls.total(tx, paymentIntent).value();
    long newlyRefunded = refundedTotal - accounted;
    if (newlyRefunded <= 0) {
      return Pence.ZERO; // an older or repeated refund event: nothing new
    }
    long debit = Math.min(newlyRefunded, balance.value());
    if (debit > 0) {
      ledger.post(tx, Ledger.Entry.debit(org, Ledger.Kind.STRIPE_REFUND, Pence.of(debit),
              "stripe:refund:" + paymentIntent + ":" + refundedTotal,
              "Refund of wallet top-up (Stripe charge " + chargeId + ")")
          .fromStripe(paymentIntent, eventId));
    }
    long shortfall = newlyRefunded - debit;
    if (shortfall > 0) {
      shortfalls.record(tx, new RefundShortfalls.Shortfall(org, paymentIntent, chargeId, eventId,
          Pence.of(newlyRefunded), Pence.of(debit), Pence.of(shortfall)));
    }
    return Pence.of(shortfall);
  }
}
