package dev.switchboard.stripe;

import dev.switchboard.domain.OrgId;
import dev.switchboard.domain.Pence;

/**
 * What applying one event came to: applied, or ignored with a stable reason code (counted for
 * an alarm) and a sentence for the record, or deferred: a copy rendered in another API version
 * that our reading could not apply, which leaves the event's fate to the copy in our version.
 * {@code shortfall} is the part of a take-back (refund, dispute) the wallet could not cover;
 * {@code credited}, what a payment newly added to the wallet (zero when it was credited before);
 * {@code customerId} and {@code paymentMethodId}, what a payment revealed of the org's Stripe
 * customer and saved card, stored with the event's record (null: keep what is stored).
 */
record EventDecision(Status status, OrgId orgId, String reason, String detail, Pence shortfall, Pence credited,
                     String customerId, String paymentMethodId) {

  enum Status { APPLIED, IGNORED, DEFERRED }

  static EventDecision applied(OrgId orgId) {
    return new EventDecision(Status.APPLIED, orgId, null, null, Pence.ZERO, Pence.ZERO, null, null);
  }

  static EventDecision appliedWithShortfall(OrgId orgId, Pence shortfall) {
    return new EventDecision(Status.APPLIED, orgId, null, null, shortfall, Pence.ZERO, null, null);
  }

  static EventDecision credited(OrgId orgId, Pence credited, Pence shortfall) {
    return new EventDecision(Status.APPLIED, orgId, null, null, shortfall, credited, null, null);
  }

  static EventDecision ignored(OrgId orgId, String reason, String detail) {
    return new EventDecision(Status.IGNORED, orgId, reason, detail, Pence.ZERO, Pence.ZERO, null, null);
  }

  /** This ignored decision, made on a copy in {@code version}, left to the copy in {@code ours}. */
  EventDecision deferred(String version, String ours) {
    return new EventDecision(Status.DEFERRED, orgId, reason, detail + " [rendered in API version " + version
        + ", not the endpoint's " + ours + ": a copy in " + ours + " may still apply it]", Pence.ZERO, Pence.ZERO, null, null);
  }

  /** This decision, with the customer and card the payment revealed to remember. */
  EventDecision remembering(String customer, String paymentMethod) {
    return new EventDecision(status, orgId, reason, detail, shortfall, credited, customer, paymentMethod);
  }

  boolean applied() {
    return status == Status.APPLIED;
  }

  /** The text stored in ignored_reason: "amount_mismatch: amount_total 5000 ≠ …". */
  String recordedReason() {
    return reason + ": " + detail;
  }
}
