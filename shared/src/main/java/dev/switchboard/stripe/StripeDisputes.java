package dev.switchboard.stripe;

import dev.switchboard.db.Sql;
import dev.switchboard.domain.OrgId;
import dev.switchboard.domain.Pence;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The SQL of stripe_disputes: per dispute, what its events reported and what was applied to
 * the wallet. Every method runs under the PaymentIntent's lock ({@link PaymentLocks}).
 */
final class StripeDisputes {

  /** Which of a dispute's two events reported it. */
  enum Event { WITHDRAWN, REINSTATED }

  /** One dispute as recorded. {@code debited} is what its applied withdrawal took from the wallet. */
  record Dispute(String id, String paymentIntentId, long amount, Optional<String> withdrawnEventId,
                 Optional<String> reinstatedEventId, boolean withdrawalApplied, long debited,
                 boolean reinstatementApplied) {}

  /** Records that {@code event} reported the dispute (the first report of each kind wins). */
  /** Whether a dispute of the PaymentIntent is recorded, as a condition another statement asks. */
  static Sql.Fragment recordedFor(String paymentIntentId) {
    return Sql.Fragment.of("EXISTS (SELECT 1 FROM stripe_disputes WHERE stripe_payment_intent_id = ?)", paymentIntentId);
  }

  void record(Connection tx, String disputeId, String paymentIntentId, String chargeId, long amount,
              Event event, String eventId) throws SQLException {
    boolean withdrawn = event == Event.WITHDRAWN;
    try (PreparedStatement ps = tx.prepareStatement("""
        INSERT INTO stripe_disputes (dispute_id, stripe_payment_intent_id, stripe_charge_id, amount_pence,
                                     withdrawn_event_id, reinstated_event_id)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (dispute_id) DO UPDATE
           SET withdrawn_event_id = coalesce(stripe_disputes.withdrawn_event_id, EXCLUDED.withdrawn_event_id),
               reinstated_event_id = coalesce(stripe_disputes.reinstated_event_id, EXCLUDED.reinstated_event_id),
               updated_at = now()
        """)) {
      ps.setString(1, disputeId);
      ps.setString(2, paymentIntentId);
      ps.setString(3, chargeId);
      ps.setLong(4, amount);
      ps.setString(5, withdrawn ? eventId : null);
      ps.setString(6, withdrawn ? null : eventId);
      ps.executeUpdate();
    }
  }

  /** The payment's disputes, oldest first, locked for the settlement. */
  List<Dispute> lockAll(Connection tx, String paymentIntentId) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        SELECT dispute_id, stripe_payment_intent_id, amount_pence, withdrawn_event_id, reinstated_event_id,
               withdrawal_applied_at IS NOT NULL AS withdrawal_applied, coalesce(debited_pence, 0) AS debited,
               reinstatement_applied_at IS NOT NULL AS reinstatement_applied
          FROM stripe_disputes WHERE stripe_payment_intent_id = ?
         ORDER BY created_at, dispute_id
           FOR UPDATE
        """)) {
      ps.setString(1, paymentIntentId);
      try (ResultSet rs = ps.executeQuery()) {
        List<Dispute> disputes = new ArrayList<>();
        while (rs.next()) {
          disputes.add(new Dispute(rs.getString("dispute_id"), rs.getString("stripe_payment_intent_id"),
              rs.getLong("amount_pence"), Optional.ofNullable(rs.getString("withdrawn_event_id")),
              Optional.ofNullable(rs.getString("reinstated_event_id")), rs.getBoolean("withdrawal_applied"),
              rs.getLong("debited"), rs.getBoolean("reinstatement_applied")));
        }
        return disputes;
      }
    }
  }

  /**
   * What the payment's disputes hold back now: the amounts their applied withdrawals took
   * (debited or fallen short), except those a reinstatement has given back.
   */
  Pence heldBack(Connection tx, String paymentIntentId) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        SELECT coalesce(sum(taken_pence), 0) FROM stripe_disputes
         WHERE stripe_payment_intent_id = ? AND withdrawal_applied_at IS NOT NULL AND reinstatement_applied_at IS NULL
        """)) {
      ps.setString(1, paymentIntentId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return Pence.of(rs.getLong(1));
      }
    }
  }

  void markWithdrawalApplied(Connection tx, String disputeId, OrgId org, long taken, long debited)
      throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        UPDATE stripe_disputes
           SET org_id = ?, taken_pence = ?, debited_pence = ?, shortfall_pence = ?,
               withdrawal_applied_at = now(), updated_at = now()
         WHERE dispute_id = ? AND withdrawal_applied_at IS NULL
        """)) {
      ps.setObject(1, org.value());
      ps.setLong(2, taken);
      ps.setLong(3, debited);
      ps.setLong(4, taken - debited);
      ps.setString(5, disputeId);
      ps.executeUpdate();
    }
  }

  void markReinstatementApplied(Connection tx, String disputeId) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        UPDATE stripe_disputes
           SET returned_pence = debited_pence, reinstatement_applied_at = now(), updated_at = now()
         WHERE dispute_id = ? AND withdrawal_applied_at IS NOT NULL AND reinstatement_applied_at IS NULL
        """)) {
      ps.setString(1, disputeId);
      ps.executeUpdate();
    }
  }
}
