package dev.switchboard.stripe;

import dev.switchboard.domain.OrgId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The org's Stripe customer and the card it saved for off-session charges (auto-recharge):
 * stripe_customer_id and stripe_default_pm_id on organizations.
 */
public final class StripeCustomers {

  /** Stores what the payment revealed; a null keeps what is stored. */
  public void remember(Connection tx, OrgId orgId, String customerId, String paymentMethodId)
      throws SQLException {
    if (customerId == null && paymentMethodId == null) {
      return;
    }
    try (PreparedStatement ps = tx.prepareStatement("""
        UPDATE organizations
           SET stripe_customer_id = coalesce(?, stripe_customer_id),
               stripe_default_pm_id = coalesce(?, stripe_default_pm_id),
               updated_at = now()
         WHERE id = ?
        """)) {
      ps.setString(1, customerId);
      ps.setString(2, paymentMethodId);
      ps.setObject(3, orgId.value());
      ps.executeUpdate();
    }
  }
}
