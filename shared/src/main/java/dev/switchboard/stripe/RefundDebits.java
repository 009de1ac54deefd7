package dev.switchboard.stripe;

import static dev.switchboard.stripe.StripeObjects.idOf;

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
 */
final class RefundDebits {
  private final Ledger ledger = new Ledger();
  private final RefundShortfalls shortfalls = new RefundShortfalls();
  private final Organizations organizations = new Organizations();

  EventDecision apply(Connection tx, StripeEvent event) throws SQLException {
    JsonObject charge = event.object();
    Optional<String> paymentIntent = idOf(charge, "payment_intent");
    Optional<Ledger.TopUpCredit> topUp = paymentIntent.isEmpty()
        ? Optional.empty() : ledger.topUpCredit(tx, paymentIntent.get());
    if (topUp.isEmpty()) {
      return EventDecision.ignored(null, "not_a_top_up", "the charge paid for no credited top-up");
    }
    var org = topUp.get().orgId();
    String currency = charge.optString("currency").orElse("");
    if (!TopUpCredits.CURRENCY.equals(currency)) {
      return EventDecision.ignored(org, "currency_mismatch", "currency is " + currency);
    }
    long refundedTotal = Math.min(charge.longValue("amount_refunded"), topUp.get().amount().value());

    Pence balance = organizations.lock(tx, org).balance();
    long accounted = ledger.refundedFrom(tx, paymentIntent.get()).value()
        + shortfalls.total(tx, paymentIntent.get()).value();
    long newlyRefunded = refundedTotal - accounted;
    if (newlyRefunded <= 0) {
      return EventDecision.applied(org); // an older or repeated refund event: nothing new
    }
    long debit = Math.min(newlyRefunded, balance.value());
    if (debit > 0) {
      ledger.post(tx, Ledger.Entry.debit(org, Ledger.Kind.STRIPE_REFUND, Pence.of(debit),
              "stripe:refund:" + paymentIntent.get() + ":" + refundedTotal,
              "Refund of wallet top-up (Stripe charge " + charge.string("id") + ")")
          .fromStripe(paymentIntent.get(), event.id()));
    }
    long shortfall = newlyRefunded - debit;
    if (shortfall > 0) {
      shortfalls.record(tx, new RefundShortfalls.Shortfall(org, paymentIntent.get(), charge.string("id"),
          event.id(), Pence.of(newlyRefunded), Pence.of(debit), Pence.of(shortfall)));
    }
    return EventDecision.appliedWithShortfall(org, Pence.of(shortfall));
  }
}
