package dev.switchboard.wallet;

import dev.switchboard.domain.OrgId;
import dev.switchboard.domain.Pence;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Optional;
import java.util.UUID;

/**
 * The SQL of the wallet ledger (credit_transactions). Money moves only by appending an entry:
 * a database trigger moves the organisation's balance with it under the org's row lock and
 * refuses a debit the balance cannot cover, so the balance always equals the ledger.
 */
public final class Ledger {

  /** What kind of movement an entry is (the database's {@code type}). */
  public enum Kind {
    TOPUP("topup"),
    AUTO_RECHARGE("auto_recharge"),
    NUMBER_PURCHASE("number_purchase"),
    NUMBER_REFUND("number_refund"),
    STRIPE_REFUND("stripe_refund"),
    ADJUSTMENT("adjustment");

    private final String wire;

    Kind(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }
  }

  /**
   * One movement to post. {@code idempotencyKey} makes a retry a no-op (unique in the table);
   * a top-up credit is also unique per PaymentIntent.
   */
  public record Entry(OrgId orgId, Kind kind, boolean credit, Pence amount, String idempotencyKey,
                      String paymentIntentId, String stripeEventId, UUID managedNumberId,
                      String description) {
    public static Entry credit(OrgId orgId, Kind kind, Pence amount, String idempotencyKey, String description) {
      return new Entry(orgId, kind, true, amount, idempotencyKey, null, null, null, description);
    }

    public static Entry debit(OrgId orgId, Kind kind, Pence amount, String idempotencyKey, String description) {
      return new Entry(orgId, kind, false, amount, idempotencyKey, null, null, null, description);
    }

    public Entry forNumber(UUID numberId) {
      return new Entry(orgId, kind, credit, amount, idempotencyKey, paymentIntentId, stripeEventId,
          numberId, description);
    }

    public Entry fromStripe(String paymentIntentId, String stripeEventId) {
      return new Entry(orgId, kind, credit, amount, idempotencyKey, paymentIntentId, stripeEventId,
          managedNumberId, description);
    }
  }

  /** An entry as posted, with the balance it moved. */
  public record Posted(UUID id, Pence balanceBefore, Pence balanceAfter) {}

  /**
   * Posts the entry; empty when an entry with its idempotency key (or, for a top-up credit,
   * its PaymentIntent) exists already, so a retry never moves money twice. A debit larger
   * than the balance fails with SQL state 23514; check the balance first for a clear error.
   */
  public Optional<Posted> post(Connection tx, Entry e) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        INSERT INTO credit_transactions
               (org_id, type, direction, amount_pence, balance_before_pence, balance_after_pence,
                idempotency_key, stripe_payment_intent_id, stripe_event_id, managed_number_id, description)
        VALUES (?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING
        RETURNING id, balance_before_pence, balance_after_pence
        """)) {
      ps.setObject(1, e.orgId().value());
      ps.setString(2, e.kind().wire());
      ps.setString(3, e.credit() ? "credit" : "debit");
      ps.setLong(4, e.amount().value());
      ps.setString(5, e.idempotencyKey());
      ps.setString(6, e.paymentIntentId());
      ps.setString(7, e.stripeEventId());
      if (e.managedNumberId() == null) {
        ps.setNull(8, Types.OTHER);
      } else {
        ps.setObject(8, e.managedNumberId());
      }
      ps.setString(9, e.description() == null ? "" : e.description());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(new Posted(rs.getObject("id", UUID.class),
            Pence.of(rs.getLong("balance_before_pence")), Pence.of(rs.getLong("balance_after_pence"))));
      }
    }
  }

  /** Whether an entry with this idempotency key exists. */
  public boolean exists(Connection tx, String idempotencyKey) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement(
        "SELECT 1 FROM credit_transactions WHERE idempotency_key = ?")) {
      ps.setString(1, idempotencyKey);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }
}
