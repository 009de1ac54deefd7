package dev.switchboard.stripe;

import dev.switchboard.db.Database;
import dev.switchboard.db.DatabaseUnavailable;
import dev.switchboard.error.ErrorCode;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.json.JsonException;
import dev.switchboard.log.Log;
import dev.switchboard.log.Metric;
import dev.switchboard.log.Metrics;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Records and applies one verified Stripe event, exactly once.
 *
 * <p>One transaction claims the event row, applies the event and marks it processed (or
 * ignored, with the reason): nothing is marked processed unless its effect commits with it.
 * When applying fails, that transaction rolls back and a second one records the event
 * {@code failed} with the error and the attempt; the caller answers 500 and Stripe's retry
 * claims the row again. A delivery of an event already processed or ignored, including one
 * that waited for a concurrent delivery to commit, is a duplicate and changes nothing.
 */
public final class ApplyStripeEvent {
  private static final Log LOG = Log.of(ApplyStripeEvent.class);
  /** How Stripe names its API versions: "2026-07-29.dahlia", and before 2024 "2023-10-16". */
  private static final Pattern STRIPE_VERSION = Pattern.compile("20[0-9]{2}-[0-9]{2}-[0-9]{2}(\\.[a-z]{1,20})?");

  /** What became of a delivery. */
  public enum Outcome { APPLIED, IGNORED, DEFERRED, DUPLICATE }

  private final Database database;
  private final String apiVersion;
  private final StripeWebhookEvents events = new StripeWebhookEvents();
  private final RefundDebits refunds = new RefundDebits();
  private final DisputeDebits disputes = new DisputeDebits(refunds);
  private final TopUpCredits topUps;
  private final Clock clock;

  /**
   * {@code apiVersion}: the one the endpoint was registered with (the SDK's); {@code stack}:
   * whose payments these are.
   */
  public ApplyStripeEvent(Database database, String apiVersion, StackIdentity stack) {
    this(database, apiVersion, stack, Clock.systemUTC());
  }

  /** {@code clock}: what the webhook lag (an event's {@code created} to its application) is measured by. */
  public ApplyStripeEvent(Database database, String apiVersion, StackIdentity stack, Clock clock) {
    this.database = database;
    this.apiVersion = apiVersion;
    this.topUps = new TopUpCredits(refunds, disputes, stack);
    this.clock = clock;
  }

  public Outcome apply(StripeEvent event) {
    EventDecision decision;
    try {
      decision = database.inTransaction(tx -> {
        if (!events.begin(tx, event)) {
          return null;
        }
        EventDecision d = decide(tx, event);
        switch (d.status()) {
          case APPLIED -> events.markProcessed(tx, event.id(), d.orgId(), d.customerId(), d.paymentMethodId());
          case IGNORED -> events.markIgnored(tx, event.id(), d.orgId(), d.recordedReason());
          case DEFERRED -> events.markDeferred(tx, event.id(), d.orgId(), d.recordedReason());
        }
        return d;
      });
    } catch (DatabaseUnavailable e) {
      // nothing claimed or applied, and no connection to record a failure with: the 503 this
      // becomes makes Stripe deliver the event again
      throw e;
    } catch (RuntimeException e) {
      recordFailure(event, e);
      throw new SwitchboardException(ErrorCode.EVENT_NOT_APPLIED,
          "the event could not be applied; it is recorded and Stripe will deliver it again",
          Map.of("eventId", event.id()), e);
    }
    if (decision == null) {
      LOG.info("stripe.event.duplicate", "eventId", event.id(), "eventType", event.type());
      return Outcome.DUPLICATE;
    }
    if (decision.status() == EventDecision.Status.DEFERRED) {
      LOG.warn("stripe.event.deferred", "eventId", event.id(), "eventType", event.type(),
          "apiVersion", event.apiVersion().orElse(null), "reason", decision.reason(), "orgId", decision.orgId());
      return Outcome.DEFERRED;
    }
    if (!decision.applied()) {
      // counted by a metric filter on this event name: a correctly signed event we refused
      LOG.warn("stripe.event.ignored", "eventId", event.id(), "eventType", event.type(),
          "reason", decision.reason(), "orgId", decision.orgId());
      return Outcome.IGNORED;
    }
    if (decision.shortfall().value() > 0) {
      // money taken back that the wallet no longer held (the Shortfalls metric is alarmed)
      LOG.warn("stripe.shortfall", "eventId", event.id(), "eventType", event.type(), "orgId", decision.orgId(),
          "shortfallPence", decision.shortfall().value());
    }
    LOG.info("stripe.event.processed", "eventId", event.id(), "eventType", event.type(),
        "orgId", decision.orgId());
    emitMetrics(event, decision);
    return Outcome.APPLIED;
  }

  /** The applied event's business metrics, once its transaction has committed. */
  private void emitMetrics(StripeEvent event, EventDecision decision) {
    Map<Metric, Long> values = new EnumMap<>(Metric.class);
    event.created().ifPresent(created ->
        values.put(Metric.WEBHOOK_LAG, Math.max(0, Duration.between(created, clock.instant()).toSeconds())));
    if (decision.credited().value() > 0) {
      values.put(Metric.TOP_UPS_CREDITED, 1L);
      values.put(Metric.TOP_UP_PENCE_CREDITED, decision.credited().value());
    }
    if (event.type().equals("charge.refunded")) {
      values.put(Metric.REFUNDS_APPLIED, 1L);
    }
    if (decision.shortfall().value() > 0) {
      values.put(Metric.SHORTFALLS, 1L);
      values.put(Metric.SHORTFALL_PENCE, decision.shortfall().value());
    }
    if (!values.isEmpty()) {
      Metrics.emit(values);
    }
    switch (event.type()) {
      case "charge.dispute.funds_withdrawn" -> Metrics.emit(Metric.DISPUTES_APPLIED, 1, "withdrawn");
      case "charge.dispute.funds_reinstated" -> Metrics.emit(Metric.DISPUTES_APPLIED, 1, "reinstated");
      default -> { }
    }
  }

  /**
   * The event's fate, from its content. A copy rendered in another API version (while the
   * registrar replaces the endpoint, Stripe sends every event to both endpoints, each copy in
   * its endpoint's version, in any order) is read the same way: our reading takes only fields
   * every version renders alike, and checks each one's type. When that copy passes every check
   * it is applied, since an event created before the new endpoint existed reaches the old one
   * only; when it fails one, it is deferred, not ignored, so that the copy in our version
   * still decides.
   */
  private EventDecision decide(Connection tx, StripeEvent event) throws SQLException {
    String version = event.apiVersion().orElse("(none)");
    EventDecision decision = version.equals(apiVersion) || STRIPE_VERSION.matcher(version).matches()
        ? decideFromContent(tx, event)
        : EventDecision.ignored(null, "unknown_api_version", "api_version is not a Stripe API version");
    if (decision.status() == EventDecision.Status.IGNORED && !version.equals(apiVersion)) {
      return decision.deferred(version, apiVersion);
    }
    return decision;
  }

  private EventDecision decideFromContent(Connection tx, StripeEvent event) throws SQLException {
    if (event.unstorable()) {
      return EventDecision.ignored(null, "unsupported_characters",
          "a string in the event holds U+0000, which cannot be stored; recorded with U+FFFD, not applied");
    }
    try {
      switch (event.type()) {
        case "checkout.session.completed":
        case "checkout.session.async_payment_succeeded":
          return topUps.fromCheckoutSession(tx, event);
        case "payment_intent.succeeded":
          return topUps.fromPaymentIntent(tx, event);
        case "charge.refunded":
          return refunds.apply(tx, event);
        case "charge.dispute.funds_withdrawn":
          return disputes.apply(tx, event, StripeDisputes.Event.WITHDRAWN);
        case "charge.dispute.funds_reinstated":
          return disputes.apply(tx, event, StripeDisputes.Event.REINSTATED);
        default:
          return EventDecision.ignored(null, "unhandled_type", "no action for " + event.type());
      }
    } catch (JsonException e) {
      // a field of the wrong type: a retry of the same event cannot fix that
      return EventDecision.ignored(null, "malformed_object", e.getMessage());
    }
  }

  private void recordFailure(StripeEvent event, RuntimeException cause) {
    String error = describe(cause);
    try {
      database.useTransaction(tx -> events.recordFailure(tx, event, error));
    } catch (RuntimeException e) {
      // the database is unreachable: Stripe's retry is the record now
      LOG.error("stripe.event.failure_not_recorded", e, "eventId", event.id());
    }
    LOG.error("stripe.event.failed", cause, "eventId", event.id(), "eventType", event.type());
  }

  /** The error as recorded: our own message where we wrote one, else the type; never a secret. */
  private static String describe(RuntimeException e) {
    if (e instanceof Log.SafeToLog) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
    return e.getClass().getSimpleName();
  }
}
