package dev.switchboard.stripe;

import dev.switchboard.domain.OrgId;
import dev.switchboard.domain.Pence;

/**
 * What applying one event came to: applied, or ignored with a stable reason code (counted for
 * an alarm) and a sentence for the record, or deferred: a copy rendered in another API version
 * that our reading could not apply, which leaves the event's fate to the copy in our version.
 * {@code shortfall} is the part of a take-back (refund, dispute) the wallet could not cover.
 */
record EventDecision(Status status, OrgId orgId, String reason, String detail, Pence shortfall) {

  enum Status { APPLIED, IGNORED, DEFERRED }

  static EventDecision applied(OrgId orgId) {
    return new EventDecision(Status.APPLIED, orgId, null, null, Pence.ZERO);
  }

  static EventDecision appliedWithShortfall(OrgId orgId, Pence shortfall) {
    return new EventDecision(Status.APPLIED, orgId, null, null, shortfall);
  }

  static EventDecision ignored(OrgId orgId, String reason, String detail) {
    return new EventDecision(Status.IGNORED, orgId, reason, detail, Pence.ZERO);
  }

  /** This ignored decision, made on a copy in {@code version}, left to the copy in {@code ours}. */
  EventDecision deferred(String version, String ours) {
    return new EventDecision(Status.DEFERRED, orgId, reason, detail + " [rendered in API version " + version
        + ", not the endpoint's " + ours + ": a copy in " + ours + " may still apply it]", Pence.ZERO);
  }

  boolean applied() {
    return status == Status.APPLIED;
  }

  /** The text stored in ignored_reason: "amount_mismatch: amount_total 5000 ≠ …". */
  String recordedReason() {
    return reason + ": " + detail;
  }
}
