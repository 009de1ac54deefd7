package dev.switchboard.stripe;

import dev.switchboard.db.Sql;
import dev.switchboard.domain.OrgId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Optional;

/**
 * The SQL of stripe_webhook_events: every delivery, recorded in the same transaction that
 * applies it.
 *
 * <p>{@link #begin} is the deduplication. Its {@code INSERT … ON CONFLICT (event_id)} waits
 * for any transaction that is inserting the same id (a concurrent delivery still in flight)
 * and then either claims the row (new, or left {@code failed}, {@code received} or
 * {@code deferred}) or finds it {@code processed}/{@code ignored}: a duplicate. So an event is
 * applied by exactly one delivery, a failed one is claimed again by Stripe's retry, and one
 * deferred (a copy in another API version we could not apply) by the copy in our version.
 */
public final class StripeWebhookEvents {

  /** Claims the event for this delivery; false when it was already processed or ignored. */
  public boolean begin(Connection tx, StripeEvent e) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        INSERT INTO stripe_webhook_events (event_id, event_type, api_version, livemode, status, attempts, payload)
        VALUES (?, ?, ?, ?, 'received', 1, ?::jsonb)
        ON CONFLICT (event_id) DO UPDATE
           SET status = 'received', attempts = stripe_webhook_events.attempts + 1, error = NULL
         WHERE stripe_webhook_events.status IN ('failed', 'received', 'deferred')
        RETURNING attempts
        """)) {
      bindEvent(ps, e);
      ps.setString(5, e.payload());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /**
   * Marks the event processed and stores on its organisation what the payment revealed of the
   * org's Stripe customer and saved card (for off-session charges); a null keeps what is stored.
   * One statement: the top-up's path stays at five round trips (docs/performance.md).
   */
  public void markProcessed(Connection tx, String eventId, OrgId orgId, String customerId, String paymentMethodId)
      throws SQLException {
    if (customerId == null && paymentMethodId == null) {
      finish(tx, eventId, "processed", orgId, null);
      return;
    }
    try (PreparedStatement ps = tx.prepareStatement("""
        WITH event AS (
          UPDATE stripe_webhook_events
             SET status = 'processed', org_id = ?, ignored_reason = NULL, processed_at = now()
           WHERE event_id = ? AND status = 'received'
          RETURNING org_id
        )
        UPDATE organizations
           SET stripe_customer_id = coalesce(?, stripe_customer_id),
               stripe_default_pm_id = coalesce(?, stripe_default_pm_id),
               updated_at = now()
          FROM event
         WHERE organizations.id = event.org_id
        """)) {
      ps.setObject(1, orgId.value());
      ps.setString(2, eventId);
      ps.setString(3, customerId);
      ps.setString(4, paymentMethodId);
      if (ps.executeUpdate() != 1) {
        throw new SQLException("event " + eventId + " was not claimed by this transaction");
      }
    }
  }

  public void markIgnored(Connection tx, String eventId, OrgId orgId, String reason) throws SQLException {
    finish(tx, eventId, "ignored", orgId, reason);
  }

  /** Not applied, and not final: the next delivery of the event claims it again. */
  public void markDeferred(Connection tx, String eventId, OrgId orgId, String reason) throws SQLException {
    finish(tx, eventId, "deferred", orgId, reason);
  }

  /**
   * Records a delivery whose application failed (its own transaction, after the applying one
   * rolled back): {@code failed}, the error, one more attempt. A row another delivery has
   * meanwhile processed is left alone.
   */
  public void recordFailure(Connection tx, StripeEvent e, String error) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        INSERT INTO stripe_webhook_events (event_id, event_type, api_version, livemode, status, attempts, error, payload)
        VALUES (?, ?, ?, ?, 'failed', 1, ?, ?::jsonb)
        ON CONFLICT (event_id) DO UPDATE
           SET status = 'failed', attempts = stripe_webhook_events.attempts + 1, error = EXCLUDED.error
         WHERE stripe_webhook_events.status IN ('failed', 'received', 'deferred')
        """)) {
      bindEvent(ps, e);
      ps.setString(5, error);
      ps.setString(6, e.payload());
      ps.executeUpdate();
    }
  }

  /** The largest total refunded that any recorded charge.refunded reported for a PaymentIntent. */
  /**
   * Whether a refund of the PaymentIntent was recorded (a charge.refunded event), as a condition
   * another statement asks in its own round trip. Uses the partial index of V11.
   */
  static Sql.Fragment refundRecorded(String paymentIntentId) {
    return Sql.Fragment.of("""
        EXISTS (SELECT 1 FROM stripe_webhook_events
                 WHERE event_type = 'charge.refunded'
                   AND payload #>> '{data,object,payment_intent}' = ?)""", paymentIntentId);
  }

  public record RecordedRefund(String eventId, String chargeId, long amountRefunded) {}

  /**
   * The refund events recorded for this PaymentIntent in GBP, largest total first
   * ({@code amount_refunded} is cumulative, so the largest says it all). In any API version:
   * each copy is a fact Stripe reported, and the fields read here render alike in all of them.
   */
  public Optional<RecordedRefund> largestRefund(Connection tx, String paymentIntentId) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        SELECT event_id, payload #>> '{data,object,id}' AS charge_id,
               (payload #>> '{data,object,amount_refunded}')::bigint AS amount_refunded
          FROM stripe_webhook_events
         WHERE event_type = 'charge.refunded'
           AND payload #>> '{data,object,payment_intent}' = ?
           AND payload #>> '{data,object,currency}' = 'gbp'
           AND payload #>> '{data,object,amount_refunded}' ~ '^[0-9]{1,15}$'
           AND payload #>> '{data,object,id}' IS NOT NULL
         ORDER BY amount_refunded DESC
         LIMIT 1
        """)) {
      ps.setString(1, paymentIntentId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(new RecordedRefund(rs.getString("event_id"), rs.getString("charge_id"),
            rs.getLong("amount_refunded")));
      }
    }
  }

  /**
   * The refunds and disputes recorded before this PaymentIntent's top-up was credited have now
   * been applied with the credit: every one of them, since the largest (cumulative) refund total
   * settled all refunds, and each dispute's row all its events.
   */
  public void markTakeBacksAppliedLate(Connection tx, String paymentIntentId, OrgId orgId) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        UPDATE stripe_webhook_events
           SET status = 'processed', org_id = ?, ignored_reason = NULL, processed_at = now()
         WHERE event_type IN ('charge.refunded', 'charge.dispute.funds_withdrawn', 'charge.dispute.funds_reinstated')
           AND status IN ('ignored', 'deferred')
           AND ignored_reason LIKE 'no_credited_top_up:%'
           AND payload #>> '{data,object,payment_intent}' = ?
           AND payload #>> '{data,object,currency}' = 'gbp'
        """)) {
      ps.setObject(1, orgId.value());
      ps.setString(2, paymentIntentId);
      ps.executeUpdate();
    }
  }

  private static void bindEvent(PreparedStatement ps, StripeEvent e) throws SQLException {
    ps.setString(1, e.id());
    ps.setString(2, e.type());
    ps.setString(3, e.apiVersion().orElse(null));
    ps.setBoolean(4, e.livemode());
  }

  private static void finish(Connection tx, String eventId, String status, OrgId orgId, String reason)
      throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        UPDATE stripe_webhook_events
           SET status = ?, org_id = ?, ignored_reason = ?, processed_at = now()
         WHERE event_id = ? AND status = 'received'
        """)) {
      ps.setString(1, status);
      if (orgId == null) {
        ps.setNull(2, Types.OTHER);
      } else {
        ps.setObject(2, orgId.value());
      }
      ps.setString(3, reason);
      ps.setString(4, eventId);
      if (ps.executeUpdate() != 1) {
        throw new SQLException("event " + eventId + " was not claimed by this transaction");
      }
    }
  }
}
