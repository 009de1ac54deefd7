package dev.switchboard.log;

import java.util.List;

/**
 * Every CloudWatch metric the functions emit ({@link Metrics}): its name, unit and dimension
 * keys. The dashboard and the alarms in template.yaml name only these (or AWS's own metrics),
 * with these dimensions; a test holds them to this list.
 *
 * <p>Dimensions are low-cardinality by rule: a provider, an operation, a reason from a fixed
 * set. Never an organisation, a number or an id: each distinct value is a new metric to pay for.
 */
public enum Metric {
  /** A managed number went live (bought, imported, listed). */
  NUMBERS_PROVISIONED("NumbersProvisioned", Unit.COUNT),
  /** A charged purchase that failed was refunded; {@code Reason}: request, platform, platform_outcome_unknown. */
  PURCHASES_REFUNDED("PurchasesRefunded", Unit.COUNT, "Reason"),
  /** A number finished its release (by the DELETE or by the reconciler). */
  NUMBERS_RELEASED("NumbersReleased", Unit.COUNT),
  /** Release steps attempted again after an earlier attempt left them pending. */
  RELEASE_STEPS_RETRIED("ReleaseStepsRetried", Unit.COUNT),
  /** A Stripe payment credited to a wallet (top-up or auto-recharge); once per payment. */
  TOP_UPS_CREDITED("TopUpsCredited", Unit.COUNT),
  /** The pence those credits added. */
  TOP_UP_PENCE_CREDITED("TopUpPenceCredited", Unit.NONE),
  /** A Stripe refund event applied to a wallet. */
  REFUNDS_APPLIED("RefundsApplied", Unit.COUNT),
  /** A Stripe dispute event applied; {@code Funds}: withdrawn or reinstated. */
  DISPUTES_APPLIED("DisputesApplied", Unit.COUNT, "Funds"),
  /** A refund or dispute took back more than the wallet held: finance has to settle it. */
  SHORTFALLS("Shortfalls", Unit.COUNT),
  /** The pence of those shortfalls. */
  SHORTFALL_PENCE("ShortfallPence", Unit.NONE),
  /** From a Stripe event's {@code created} to its application here. */
  WEBHOOK_LAG("WebhookLag", Unit.SECONDS),
  /** One call to a provider, answered or not. */
  PROVIDER_LATENCY("ProviderLatency", Unit.MILLISECONDS, "Provider", "Operation"),
  /** 1 when that call failed (no answer, or an error answer), else 0: its average is the error rate. */
  PROVIDER_ERRORS("ProviderErrors", Unit.COUNT, "Provider", "Operation"),
  /** After a reconciler run: numbers releasing, or failed with provider clean-up left. */
  PENDING_CLEANUPS("PendingCleanups", Unit.COUNT),
  /** After a reconciler run: provisionings no request is working on any more (to be undone and refunded). */
  INTERRUPTED_SAGAS("InterruptedSagas", Unit.COUNT),
  /** Numbers a reconciler run found at Twilio or Vapi that no record accounts for. */
  ORPHANS_FOUND("OrphansFound", Unit.COUNT);

  /** CloudWatch's unit names (MetricDatum), as the embedded metric format takes them. */
  public enum Unit {
    COUNT("Count"), MILLISECONDS("Milliseconds"), SECONDS("Seconds"), NONE("None");

    private final String cloudWatch;

    Unit(String cloudWatch) {
      this.cloudWatch = cloudWatch;
    }

    public String cloudWatch() {
      return cloudWatch;
    }
  }

  private final String metricName;
  private final Unit unit;
  private final List<String> dimensions;

  Metric(String metricName, Unit unit, String... dimensions) {
    this.metricName = metricName;
    this.unit = unit;
    this.dimensions = List.of(dimensions);
  }

  /** The name in CloudWatch. */
  public String metricName() {
    return metricName;
  }

  public Unit unit() {
    return unit;
  }

  /** The dimension keys, in the order {@link Metrics#emit} takes their values. */
  public List<String> dimensions() {
    return dimensions;
  }
}
