package dev.switchboard.stripe;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * A transaction-scoped lock per PaymentIntent. The credit of a top-up and a refund of it may
 * be applied at the same moment by two deliveries; each takes this lock first, so the refund
 * either sees the committed credit, or has committed its record before the credit looks for
 * earlier refunds. Neither can miss the other.
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
}
