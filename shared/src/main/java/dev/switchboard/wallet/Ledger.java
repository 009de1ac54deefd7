package dev.switchboard.wallet;

import dev.switchboard.db.Sql;
import dev.switchboard.domain.OrgId;
import dev.switchboard.domain.Pence;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
    DISPUTE("dispute"),
    DISPUTE_REINSTATED("dispute_reinstated"),
    ADJUSTMENT("adjustment");

    private final String wire;

    Kind(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }

    static Kind fromWire(String wire) throws SQLException {
      for (Kind k : values()) {
        if (k.wire.equals(wire)) {
          return k;
        }
      }
      throw new SQLException("unknown ledger type " + wire);
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
   *
   * <p>The database computes the balances under the org's row lock and moves the wallet only
   * for a row it really inserted (an AFTER INSERT trigger), so a duplicate skipped by
   * {@code ON CONFLICT} moves nothing, and concurrent postings of one entry serialise on the
   * org row: one is written, the others find it.
   */
  public Optional<Posted> post(Connection tx, Entry e) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement(INSERT + "RETURNING id, balance_before_pence, balance_after_pence")) {
      bind(ps, e);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(posted(rs)) : Optional.empty();
      }
    }
  }

  /**
   * A top-up credit as posted, and whether a refund or dispute of its PaymentIntent was
   * recorded (charge.refunded, or a stripe_disputes row).
   */
  public record PostedTopUp(Posted posted, boolean takeBackRecorded) {}

  /**
   * {@link #post} for a top-up credit (needs {@code paymentIntentId}), also answering
   * {@code takeBackRecorded}, the caller's question about other tables (whether any refund or
   * dispute of its PaymentIntent is recorded), in the same round trip: the cheap guard that lets
   * the credit skip looking for earlier ones. The caller holds the PaymentIntent's lock, taken by
   * an earlier statement, so this statement's snapshot sees every take-back recorded before the
   * lock was granted.
   */
  public Optional<PostedTopUp> postTopUp(Connection tx, Entry e, Sql.Fragment takeBackRecorded) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("WITH posted AS (" + INSERT + """
        RETURNING id, balance_before_pence, balance_after_pence)
        SELECT id, balance_before_pence, balance_after_pence, %s AS take_back_recorded
          FROM posted
        """.formatted(takeBackRecorded.sql()))) {
      takeBackRecorded.bind(ps, bind(ps, e));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(new PostedTopUp(posted(rs), rs.getBoolean("take_back_recorded")))
            : Optional.empty();
      }
    }
  }

  private static final String INSERT = """
      INSERT INTO credit_transactions
             (org_id, type, direction, amount_pence, balance_before_pence, balance_after_pence,
              idempotency_key, stripe_payment_intent_id, stripe_event_id, managed_number_id, description)
      VALUES (?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?)
      ON CONFLICT DO NOTHING
      """;

  /** Binds the insert's nine values; the next placeholder's index. */
  private static int bind(PreparedStatement ps, Entry e) throws SQLException {
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
    return 10;
  }

  private static Posted posted(ResultSet rs) throws SQLException {
    return new Posted(rs.getObject("id", UUID.class),
        Pence.of(rs.getLong("balance_before_pence")), Pence.of(rs.getLong("balance_after_pence")));
  }

  /** The top-up credit a PaymentIntent paid for, if it was credited. */
  public record TopUpCredit(OrgId orgId, Pence amount) {}

  public Optional<TopUpCredit> topUpCredit(Connection tx, String paymentIntentId) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        SELECT org_id, amount_pence FROM credit_transactions
         WHERE stripe_payment_intent_id = ? AND direction = 'credit' AND type IN ('topup', 'auto_recharge')
        """)) {
      ps.setString(1, paymentIntentId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(new TopUpCredit(new OrgId(rs.getObject("org_id", UUID.class)),
            Pence.of(rs.getLong("amount_pence"))));
      }
    }
  }

  /** What refunds of this PaymentIntent have taken from the wallet so far. */
  public Pence refundedFrom(Connection tx, String paymentIntentId) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        SELECT coalesce(sum(amount_pence), 0) FROM credit_transactions
         WHERE stripe_payment_intent_id = ? AND direction = 'debit' AND type = 'stripe_refund'
        """)) {
      ps.setString(1, paymentIntentId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return Pence.of(rs.getLong(1));
      }
    }
  }

  /** One row of the wallet statement. */
  public record Transaction(UUID id, long seq, Kind kind, boolean credit, Pence amount,
                            Pence balanceBefore, Pence balanceAfter, String description,
                            Optional<String> paymentIntentId, Instant createdAt) {}

  /**
   * The org's ledger, newest first: up to {@code limit} entries older than {@code beforeSeq}
   * (all when null). {@code seq} only grows, so a page never shifts when entries are added.
   */
  public List<Transaction> page(Connection tx, OrgId orgId, Long beforeSeq, int limit) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        SELECT id, seq, type, direction, amount_pence, balance_before_pence, balance_after_pence,
               description, stripe_payment_intent_id, created_at
          FROM credit_transactions
         WHERE org_id = ? AND (?::bigint IS NULL OR seq < ?::bigint)
         ORDER BY seq DESC
         LIMIT ?
        """)) {
      ps.setObject(1, orgId.value());
      if (beforeSeq == null) {
        ps.setNull(2, Types.BIGINT);
        ps.setNull(3, Types.BIGINT);
      } else {
        ps.setLong(2, beforeSeq);
        ps.setLong(3, beforeSeq);
      }
      ps.setInt(4, limit);
      try (ResultSet rs = ps.executeQuery()) {
        List<Transaction> page = new ArrayList<>();
        while (rs.next()) {
          page.add(map(rs));
        }
        return page;
      }
    }
  }

  private static Transaction map(ResultSet rs) throws SQLException {
    return new Transaction(rs.getObject("id", UUID.class), rs.getLong("seq"), Kind.fromWire(rs.getString("type")),
        "credit".equals(rs.getString("direction")), Pence.of(rs.getLong("amount_pence")),
        Pence.of(rs.getLong("balance_before_pence")), Pence.of(rs.getLong("balance_after_pence")),
        rs.getString("description"), Optional.ofNullable(rs.getString("stripe_payment_intent_id")),
        rs.getTimestamp("created_at").toInstant());
  }
}
