package dev.switchboard.stripe;

import static dev.switchboard.stripe.StripeObjects.idOf;
import static dev.switchboard.stripe.StripeObjects.metadata;

import dev.switchboard.domain.OrgId;
import dev.switchboard.domain.Pence;
import dev.switchboard.json.JsonObject;
import dev.switchboard.org.Organizations;
import dev.switchboard.wallet.Ledger;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Credits a paid top-up, from the Checkout Session or from its PaymentIntent (the safety net
 * when the session event is lost or late). Both credit the same PaymentIntent, and the
 * ledger allows one top-up credit per PaymentIntent, so whichever arrives second is a no-op.
 * A payment is credited only when Stripe says it is paid, in GBP, for exactly the amount the
 * top-up asked for, to an organisation that exists.
 */
final class TopUpCredits {
  static final String CURRENCY = "gbp";

  private final Ledger ledger = new Ledger();
  private final Organizations organizations = new Organizations();
  private final StripeWebhookEvents events = new StripeWebhookEvents();
  private final RefundDebits refunds;
  private final DisputeDebits disputes;
  private final StackIdentity stack;

  TopUpCredits(RefundDebits refunds, DisputeDebits disputes, StackIdentity stack) {
    this.refunds = refunds;
    this.disputes = disputes;
    this.stack = stack;
  }

  /** checkout.session.completed (and async_payment_succeeded, for delayed methods). */
  EventDecision fromCheckoutSession(Connection tx, StripeEvent event) throws SQLException {
    JsonObject session = event.object();
    JsonObject metadata = metadata(session);
    if (!"wallet_topup".equals(metadata.optString("type").orElse(""))) {
      return EventDecision.ignored(null, "not_wallet_topup", "metadata.type is not wallet_topup");
    }
    if (!stack.owns(metadata)) {
      return otherStack(metadata);
    }
    Optional<OrgId> org = StripeObjects.orgId(metadata);
    if (org.isEmpty()) {
      return unknownOrg(metadata);
    }
    Optional<EventDecision> refused = refusedSession(org.get(), session, metadata);
    if (refused.isPresent()) {
      return ifOrgExists(tx, org.get(), metadata, refused.get());
    }
    String paymentIntent = idOf(session, "payment_intent").orElseThrow();
    if (!PaymentLocks.lockAnd(tx, paymentIntent, Organizations.exists(org.get()))) {
      return unknownOrg(metadata);
    }
    // the card is on the PaymentIntent; the session carries it only when that is expanded
    String paymentMethod = StripeObjects.expanded(session, "payment_intent")
        .flatMap(pi -> idOf(pi, "payment_method")).orElse(null);
    EventDecision credited = credit(tx, org.get(), Ledger.Kind.TOPUP, session.longValue("amount_total"),
        paymentIntent, event.id(),
        "Wallet top-up (Stripe Checkout " + session.optString("id").orElse("") + ")");
    return credited.remembering(idOf(session, "customer").orElse(null), paymentMethod);
  }

  /** payment_intent.succeeded for a top-up or an auto-recharge. */
  EventDecision fromPaymentIntent(Connection tx, StripeEvent event) throws SQLException {
    JsonObject intent = event.object();
    JsonObject metadata = metadata(intent);
    String type = metadata.optString("type").orElse("");
    Ledger.Kind kind;
    if ("wallet_topup".equals(type)) {
      kind = Ledger.Kind.TOPUP;
    } else if ("wallet_auto_recharge".equals(type)) {
      kind = Ledger.Kind.AUTO_RECHARGE;
    } else {
      return EventDecision.ignored(null, "not_wallet_payment",
          "metadata.type is neither wallet_topup nor wallet_auto_recharge");
    }
    if (!stack.owns(metadata)) {
      return otherStack(metadata);
    }
    Optional<OrgId> org = StripeObjects.orgId(metadata);
    if (org.isEmpty()) {
      return unknownOrg(metadata);
    }
    Optional<EventDecision> refused = refusedIntent(org.get(), intent, metadata);
    if (refused.isPresent()) {
      return ifOrgExists(tx, org.get(), metadata, refused.get());
    }
    String paymentIntent = intent.string("id");
    if (!PaymentLocks.lockAnd(tx, paymentIntent, Organizations.exists(org.get()))) {
      return unknownOrg(metadata);
    }
    EventDecision credited = credit(tx, org.get(), kind, intent.longValue("amount_received"), paymentIntent,
        event.id(), (kind == Ledger.Kind.TOPUP ? "Wallet top-up" : "Wallet auto-recharge")
            + " (Stripe PaymentIntent " + paymentIntent + ")");
    return credited.remembering(idOf(intent, "customer").orElse(null), idOf(intent, "payment_method").orElse(null));
  }

  /** Why a session cannot be credited (checked without the database), if it cannot. */
  private static Optional<EventDecision> refusedSession(OrgId org, JsonObject session, JsonObject metadata) {
    Optional<String> reference = session.optString("client_reference_id");
    if (reference.isPresent() && !reference.get().equals(org.toString())) {
      return Optional.of(EventDecision.ignored(org, "org_mismatch",
          "client_reference_id does not name the organisation in metadata.org_id"));
    }
    String paymentStatus = session.optString("payment_status").orElse("");
    if (!"paid".equals(paymentStatus)) {
      return Optional.of(EventDecision.ignored(org, "not_paid", "payment_status is " + paymentStatus));
    }
    Optional<EventDecision> mismatch = mismatch(org, session.optString("currency"),
        session.optLong("amount_total"), "amount_total", metadata);
    if (mismatch.isPresent()) {
      return mismatch;
    }
    if (idOf(session, "payment_intent").isEmpty()) {
      return Optional.of(EventDecision.ignored(org, "no_payment_intent", "the session names no PaymentIntent"));
    }
    return Optional.empty();
  }

  /** Why a PaymentIntent cannot be credited (checked without the database), if it cannot. */
  private static Optional<EventDecision> refusedIntent(OrgId org, JsonObject intent, JsonObject metadata) {
    String status = intent.optString("status").orElse("");
    if (!"succeeded".equals(status)) {
      return Optional.of(EventDecision.ignored(org, "not_paid", "status is " + status));
    }
    return mismatch(org, intent.optString("currency"), intent.optLong("amount_received"),
        "amount_received", metadata);
  }

  /** An unknown organisation is the first reason given, as it would be had it been checked first. */
  private EventDecision ifOrgExists(Connection tx, OrgId org, JsonObject metadata, EventDecision refused)
      throws SQLException {
    return organizations.find(tx, org).isPresent() ? refused : unknownOrg(metadata);
  }

  /**
   * Credits the PaymentIntent unless it was credited already (the other event of the pair),
   * then applies any refund or dispute of it that Stripe reported first. Returns what was
   * credited and their shortfall. The caller holds the PaymentIntent's lock.
   */
  private EventDecision credit(Connection tx, OrgId org, Ledger.Kind kind, long pence, String paymentIntent,
                       String eventId, String description) throws SQLException {
    Optional<Ledger.PostedTopUp> posted = ledger.postTopUp(tx, Ledger.Entry.credit(org, kind, Pence.of(pence),
        "stripe:payment:" + paymentIntent, description).fromStripe(paymentIntent, eventId),
        StripeWebhookEvents.refundRecorded(paymentIntent).or(StripeDisputes.recordedFor(paymentIntent)));
    if (posted.isEmpty()) {
      return EventDecision.applied(org); // the other event of the pair credited it
    }
    if (!posted.get().takeBackRecorded()) {
      return EventDecision.credited(org, Pence.of(pence), Pence.ZERO);
    }
    Ledger.TopUpCredit credit = new Ledger.TopUpCredit(org, Pence.of(pence));
    long shortfall = refunds.settleEarlierRefunds(tx, credit, paymentIntent).value()
        + disputes.settle(tx, credit, paymentIntent).value();
    events.markTakeBacksAppliedLate(tx, paymentIntent, org);
    return EventDecision.credited(org, Pence.of(pence), Pence.of(shortfall));
  }

  /** Another stack's payment (several stacks share the Stripe account): not ours to credit. */
  private static EventDecision otherStack(JsonObject metadata) {
    return EventDecision.ignored(null, "other_stack", "metadata." + StackIdentity.METADATA_KEY + " names another stack: "
        + metadata.optString(StackIdentity.METADATA_KEY).orElse(""));
  }

  private static EventDecision unknownOrg(JsonObject metadata) {
    return EventDecision.ignored(null, "unknown_org",
        "metadata.org_id names no organisation: " + metadata.optString("org_id").orElse("(none)"));
  }

  private static Optional<EventDecision> mismatch(OrgId org, Optional<String> currency,
                                                  Optional<Long> amount, String amountField,
                                                  JsonObject metadata) {
    if (!currency.orElse("").equals(CURRENCY)) {
      return Optional.of(EventDecision.ignored(org, "currency_mismatch",
          "currency is " + currency.orElse("(none)") + ", not " + CURRENCY));
    }
    Optional<Long> expected = StripeObjects.pence(metadata, "amount_pence");
    if (amount.isEmpty() || expected.isEmpty() || !amount.equals(expected) || amount.get() <= 0) {
      return Optional.of(EventDecision.ignored(org, "amount_mismatch", amountField + " "
          + amount.map(String::valueOf).orElse("(none)") + " does not equal metadata.amount_pence "
          + metadata.optString("amount_pence").orElse("(none)")));
    }
    return Optional.empty();
  }
}
