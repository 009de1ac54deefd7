package dev.switchboard.stripe;

import dev.switchboard.domain.OrgId;
import dev.switchboard.domain.Pence;

/**
 * What applying one event came to: applied, or ignored with a stable reason code (counted for
 * an alarm) and a sentence for the record. {@code shortfall} is the part of a refund the
 * wallet could not cover.
 */
record EventDecision(boolean applied, OrgId orgId, String reason, String detail, Pence shortfall) {

  static EventDecision applied(OrgId orgId) {
    return new EventDecision(true, orgId, null, null, Pence.ZERO);
  }

  static EventDecision appliedWithShortfall(OrgId orgId, Pence shortfall) {
    return new EventDecision(true, orgId, null, null, shortfall);
  }

  static EventDecision ignored(OrgId orgId, String reason, String detail) {
    return new EventDecision(false, orgId, reason, detail, Pence.ZERO);
  }

  /** The text stored in ignored_reason: "amount_mismatch: amount_total 5000 ≠ …". */
  String recordedReason() {
    return reason + ": " + detail;
  }
}
