package dev.switchboard.stripe;

import dev.switchboard.domain.OrgId;
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
   * Takes the lock and says whether the organisation exists, in one round trip (the credit's
   * hot path). The existence check may read a snapshot from before the lock was granted: an
   * organisation's row is never deleted, so that cannot matter. Nothing else may be read
   * here: it would miss what a delivery holding the lock committed while this one waited.
   */
  static boolean lockAndFindOrg(Connection tx, String paymentIntentId, OrgId org) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        SELECT pg_advisory_xact_lock(?, hashtext(?)),
               EXISTS (SELECT 1 FROM organizations WHERE id = ?) AS org_exists
        """)) {
      ps.setInt(1, NAMESPACE);
      ps.setString(2, paymentIntentId);
      ps.setObject(3, org.value());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean("org_exists");
      }
    }
  }
}
