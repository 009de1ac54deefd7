package dev.switchboard.wallet;

import dev.switchboard.domain.OrgId;
import dev.switchboard.domain.Pence;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Refunds the wallet could not cover (stripe_refund_shortfalls): the balance may not go below
 * zero, so the uncovered part of a refund is recorded here for finance to settle.
 */
public final class RefundShortfalls {

  /** One refund as it was accounted for: {@code refunded = debited + shortfall}. */
  public record Shortfall(OrgId orgId, String paymentIntentId, String chargeId, String eventId,
                          Pence refunded, Pence debited, Pence shortfall) {}

  public void record(Connection tx, Shortfall s) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        INSERT INTO stripe_refund_shortfalls
               (org_id, stripe_payment_intent_id, stripe_charge_id, stripe_event_id,
                refunded_pence, debited_pence, shortfall_pence)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """)) {
      ps.setObject(1, s.orgId().value());
      ps.setString(2, s.paymentIntentId());
      ps.setString(3, s.chargeId());
      ps.setString(4, s.eventId());
      ps.setLong(5, s.refunded().value());
      ps.setLong(6, s.debited().value());
      ps.setLong(7, s.shortfall().value());
      ps.executeUpdate();
    }
  }

  /** The part of this PaymentIntent's refunds that no debit covered. */
  public Pence total(Connection tx, String paymentIntentId) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        SELECT coalesce(sum(shortfall_pence), 0) FROM stripe_refund_shortfalls
         WHERE stripe_payment_intent_id = ?
        """)) {
      ps.setString(1, paymentIntentId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return Pence.of(rs.getLong(1));
      }
    }
  }
}
