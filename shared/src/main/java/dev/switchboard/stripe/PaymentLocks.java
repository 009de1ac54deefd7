package dev.switchboard.stripe;

import dev.switchboard.db.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A transaction-scoped lock per PaymentIntent. The credit of a top-up and a refund of it may
 * be applied at the same moment by two deliveries; each takes this lock first, so the refund
 * either sees the committed credit, or has committed its record before the credit looks for
 * earlier refunds. Neither can miss the other. It is always taken before the org's row lock.
 */
final class PaymentLocks {
  /** The first key of the two-key advisory lock: ours, so no other lock user collides. */
  private static final int NAMESPACE = 0x5354_5250; // "STRP"

  private PaymentLocks() {}

  static void lock(Connection tx, String paymentIntentId) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("SELECT pg_advisory_xact_lock(?, hashtext(?))")) {
      ps.setInt(1, NAMESPACE);
      ps.setString(2, paymentIntentId);
      ps.executeQuery().close();
    }
  }

  /**
   * Takes the lock and answers {@code question} (a table's own condition, such as
   * {@code Organizations.exists}) in one round trip: the credit's hot path. The question may be
   * answered from a snapshot taken before the lock was granted, so it must be one whose answer
   * cannot change meanwhile (an organisation's row is never deleted). Nothing else may be read
   * here: it would miss what a delivery holding the lock committed while this one waited.
   */
  static boolean lockAnd(Connection tx, String paymentIntentId, Sql.Fragment question) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement(
        "SELECT pg_advisory_xact_lock(?, hashtext(?)), " + question.sql() + " AS answer")) {
      ps.setInt(1, NAMESPACE);
      ps.setString(2, paymentIntentId);
      question.bind(ps, 3);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean("answer");
      }
    }
  }
}
