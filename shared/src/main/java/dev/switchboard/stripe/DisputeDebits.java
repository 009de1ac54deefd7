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
 * charge.dispute.funds_withdrawn and charge.dispute.funds_reinstated: while a dispute of a
 * top-up is open the wallet gives back the disputed amount; when the dispute is won it gets
 * back what the dispute took from it.
 *
 * <p>A withdrawal takes at most what the payment credited less what its refunds and other
 * disputes already took back; the wallet cannot go below zero, so what it cannot cover is the
 * dispute's shortfall. A reinstatement credits the debited part back, never more, and ends the
 * shortfall; a refund that the dispute held back is then settled. Each event records its fact on the dispute's row, then the payment's disputes are
 * settled against what was applied, under the PaymentIntent's lock: so each is applied once
 * whatever the order, and one that arrives before the top-up's credit is settled with it.
 */
final class DisputeDebits {
  private final Ledger ledger = new Ledger();
  private final Organizations organizations = new Organizations();
  private final RefundShortfalls refundShortfalls = new RefundShortfalls();
  private final StripeDisputes disputes = new StripeDisputes();
  private final RefundDebits refunds;

  DisputeDebits(RefundDebits refunds) {
    this.refunds = refunds;
  }

  EventDecision apply(Connection tx, StripeEvent event, StripeDisputes.Event kind) throws SQLException {
    JsonObject dispute = event.object();
    Optional<String> paymentIntent = idOf(dispute, "payment_intent");
    Optional<String> charge = idOf(dispute, "charge");
    if (paymentIntent.isEmpty() || charge.isEmpty()) {
      return EventDecision.ignored(null, "not_a_top_up", "the disputed charge has no PaymentIntent");
    }
    String currency = dispute.optString("currency").orElse("");
    if (!TopUpCredits.CURRENCY.equals(currency)) {
      return EventDecision.ignored(null, "currency_mismatch", "currency is " + currency);
    }
    long amount = dispute.longValue("amount");
    if (amount <= 0) {
      return EventDecision.ignored(null, "amount_mismatch", "the disputed amount is " + amount);
    }
    PaymentLocks.lock(tx, paymentIntent.get());
    disputes.record(tx, dispute.string("id"), paymentIntent.get(), charge.get(), amount, kind, event.id());
    Optional<Ledger.TopUpCredit> topUp = ledger.topUpCredit(tx, paymentIntent.get());
    if (topUp.isEmpty()) {
      return EventDecision.ignored(null, "no_credited_top_up", "PaymentIntent " + paymentIntent.get()
          + " paid for no credited top-up; if it is credited later, this dispute is applied then");
    }
    return EventDecision.appliedWithShortfall(topUp.get().orgId(), settle(tx, topUp.get(), paymentIntent.get()));
  }

  /**
   * Applies what the payment's disputes reported and the wallet has not yet seen. The caller
   * holds the PaymentIntent's lock. Returns the shortfall of the withdrawals applied now.
   */
  Pence settle(Connection tx, Ledger.TopUpCredit credit, String paymentIntent) throws SQLException {
    OrgId org = credit.orgId();
    long shortfall = 0;
    boolean released = false;
    for (StripeDisputes.Dispute d : disputes.lockAll(tx, paymentIntent)) {
      boolean withdrawalApplied = d.withdrawalApplied();
      long debited = d.debited();
      if (d.withdrawnEventId().isPresent() && !withdrawalApplied) {
        // a dispute already reported won takes nothing: its money is back with the platform
        long taken = d.reinstatedEventId().isPresent() ? 0 : Math.max(0, Math.min(d.amount(),
            credit.amount().value() - alreadyTakenBack(tx, paymentIntent)));
        debited = Math.min(taken, organizations.lock(tx, org).balance().value());
        if (debited > 0) {
          ledger.post(tx, Ledger.Entry.debit(org, Ledger.Kind.DISPUTE, Pence.of(debited),
                  "stripe:dispute:" + d.id() + ":withdrawn", "Disputed top-up payment (Stripe dispute " + d.id() + ")")
              .fromStripe(paymentIntent, d.withdrawnEventId().get()));
        }
        disputes.markWithdrawalApplied(tx, d.id(), org, taken, debited);
        withdrawalApplied = true;
        shortfall += taken - debited;
      }
      if (d.reinstatedEventId().isPresent() && withdrawalApplied && !d.reinstatementApplied()) {
        if (debited > 0) {
          ledger.post(tx, Ledger.Entry.credit(org, Ledger.Kind.DISPUTE_REINSTATED, Pence.of(debited),
                  "stripe:dispute:" + d.id() + ":reinstated", "Dispute won: payment reinstated (Stripe dispute "
                      + d.id() + ")")
              .fromStripe(paymentIntent, d.reinstatedEventId().get()));
        }
        disputes.markReinstatementApplied(tx, d.id());
        released = true;
      }
    }
    if (released) {
      // what the dispute held back is the payment's again: a refund it capped may take its part now
      shortfall += refunds.settleEarlierRefunds(tx, credit, paymentIntent).value();
    }
    return Pence.of(shortfall);
  }

  /** What the payment's refunds and disputes have taken back so far (debited or fallen short). */
  private long alreadyTakenBack(Connection tx, String paymentIntent) throws SQLException {
    return ledger.refundedFrom(tx, paymentIntent).value() + refundShortfalls.total(tx, paymentIntent).value()
        + disputes.heldBack(tx, paymentIntent).value();
  }

  /** What the payment's open disputes hold back now: a refund may not take that part again. */
  Pence heldBack(Connection tx, String paymentIntent) throws SQLException {
    return disputes.heldBack(tx, paymentIntent);
  }
}
