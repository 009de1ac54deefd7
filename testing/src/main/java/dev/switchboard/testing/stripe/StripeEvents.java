package dev.switchboard.testing.stripe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.UUID;

/**
 * Stripe webhook events as Stripe sends them (the fields the 2026 API versions carry for a
 * Checkout payment, its PaymentIntent, a refunded Charge and a Dispute), for one wallet top-up.
 *
 * <p>The API version is given by the caller, normally stripe-java's {@code Stripe.API_VERSION}
 * (this module does not ship stripe-java). A {@link TopUp} describes the payment; its
 * {@code with…} methods make the variants tests need (unpaid, other currency, other amount).
 */
public final class StripeEvents {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

  private final String apiVersion;
  private final Instant created;

  public StripeEvents(String apiVersion, Instant created) {
    this.apiVersion = apiVersion;
    this.created = created;
  }

  /** A Stripe-looking id: prefix plus 24 random characters ("evt_1Q…"). */
  public static String id(String prefix) {
    StringBuilder sb = new StringBuilder(prefix).append("_1");
    for (int i = 0; i < 24; i++) {
      sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return sb.toString();
  }

  /** A new paid top-up of {@code pence} for the organisation, with fresh Stripe ids. */
  public static TopUp topUp(UUID orgId, long pence) {
    return new TopUp(orgId.toString(), orgId.toString(), pence, pence, "gbp", "paid", "succeeded",
        "wallet_topup", id("cs_test"), id("pi"), id("ch"), id("cus"), id("pm"), null);
  }

  /** One payment as Stripe describes it; metadataPence is what our top-up asked for. */
  public record TopUp(String metadataOrgId, String clientReferenceId, long amountPence,
                      long metadataPence, String currency, String paymentStatus,
                      String intentStatus, String type, String sessionId, String paymentIntentId,
                      String chargeId, String customerId, String paymentMethodId, String stackId) {
    public TopUp withPaymentStatus(String status) {
      return new TopUp(metadataOrgId, clientReferenceId, amountPence, metadataPence, currency,
          status, intentStatus, type, sessionId, paymentIntentId, chargeId, customerId, paymentMethodId, stackId);
    }

    public TopUp withCurrency(String c) {
      return new TopUp(metadataOrgId, clientReferenceId, amountPence, metadataPence, c,
          paymentStatus, intentStatus, type, sessionId, paymentIntentId, chargeId, customerId, paymentMethodId, stackId);
    }

    /** Stripe charged {@code pence} while the metadata still says what was asked for. */
    public TopUp withAmountCharged(long pence) {
      return new TopUp(metadataOrgId, clientReferenceId, pence, metadataPence, currency,
          paymentStatus, intentStatus, type, sessionId, paymentIntentId, chargeId, customerId, paymentMethodId, stackId);
    }

    public TopUp withOrg(String orgId) {
      return new TopUp(orgId, orgId, amountPence, metadataPence, currency,
          paymentStatus, intentStatus, type, sessionId, paymentIntentId, chargeId, customerId, paymentMethodId, stackId);
    }

    /** The session as another stack (or, with null, a stack from before stack identities) made it. */
    public TopUp withStack(String stack) {
      return new TopUp(metadataOrgId, clientReferenceId, amountPence, metadataPence, currency,
          paymentStatus, intentStatus, type, sessionId, paymentIntentId, chargeId, customerId, paymentMethodId, stack);
    }

    public TopUp withType(String metadataType) {
      return new TopUp(metadataOrgId, clientReferenceId, amountPence, metadataPence, currency,
          paymentStatus, intentStatus, metadataType, sessionId, paymentIntentId, chargeId, customerId,
          paymentMethodId, stackId);
    }
  }

  public String checkoutSessionCompleted(String eventId, TopUp p) {
    ObjectNode s = JSON.createObjectNode();
    s.put("id", p.sessionId());
    s.put("object", "checkout.session");
    s.putNull("after_expiration");
    s.putNull("allow_promotion_codes");
    s.put("amount_subtotal", p.amountPence());
    s.put("amount_total", p.amountPence());
    s.putObject("automatic_tax").put("enabled", false).putNull("liability").putNull("status");
    s.putNull("billing_address_collection");
    s.put("cancel_url", "https://app.example.com/wallet?topup=cancelled");
    s.put("client_reference_id", p.clientReferenceId());
    s.putNull("consent");
    s.put("created", created.getEpochSecond() - 60);
    s.put("currency", p.currency());
    s.put("customer", p.customerId());
    s.put("customer_creation", "always");
    ObjectNode details = s.putObject("customer_details");
    details.putNull("address");
    details.put("email", "billing@example.com");
    details.put("name", "Jane Example");
    details.putNull("phone");
    details.put("tax_exempt", "none");
    details.putArray("tax_ids");
    s.putNull("customer_email");
    s.put("expires_at", created.getEpochSecond() + 86_340);
    s.putNull("invoice");
    s.put("livemode", false);
    s.put("locale", "auto");
    metadata(s, p);
    s.put("mode", "payment");
    s.put("payment_intent", p.paymentIntentId());
    s.putNull("payment_link");
    s.put("payment_method_collection", "if_required");
    s.putArray("payment_method_types").add("card");
    s.put("payment_status", p.paymentStatus());
    s.putNull("setup_intent");
    s.putNull("shipping_details");
    s.put("status", "complete");
    s.putNull("submit_type");
    s.putNull("subscription");
    s.put("success_url", "https://app.example.com/wallet?topup=success");
    ObjectNode totals = s.putObject("total_details");
    totals.put("amount_discount", 0).put("amount_shipping", 0).put("amount_tax", 0);
    s.put("ui_mode", "hosted");
    s.putNull("url");
    return event(eventId, "checkout.session.completed", s);
  }

  public String paymentIntentSucceeded(String eventId, TopUp p) {
    ObjectNode pi = JSON.createObjectNode();
    pi.put("id", p.paymentIntentId());
    pi.put("object", "payment_intent");
    pi.put("amount", p.amountPence());
    pi.put("amount_capturable", 0);
    pi.put("amount_received", "succeeded".equals(p.intentStatus()) ? p.amountPence() : 0);
    pi.putNull("application");
    pi.put("capture_method", "automatic");
    pi.put("client_secret", p.paymentIntentId() + "_secret_" + id("x").substring(3));
    pi.put("confirmation_method", "automatic");
    pi.put("created", created.getEpochSecond() - 30);
    pi.put("currency", p.currency());
    pi.put("customer", p.customerId());
    pi.putNull("description");
    pi.put("latest_charge", p.chargeId());
    pi.put("livemode", false);
    metadata(pi, p);
    pi.put("payment_method", p.paymentMethodId());
    pi.putArray("payment_method_types").add("card");
    pi.putNull("receipt_email");
    pi.put("setup_future_usage", "off_session");
    pi.put("status", p.intentStatus());
    return event(eventId, "payment_intent.succeeded", pi);
  }

  /** charge.refunded after refunds totalling {@code amountRefunded} (Stripe's cumulative sum). */
  public String chargeRefunded(String eventId, TopUp p, long amountRefunded) {
    ObjectNode ch = JSON.createObjectNode();
    ch.put("id", p.chargeId());
    ch.put("object", "charge");
    ch.put("amount", p.amountPence());
    ch.put("amount_captured", p.amountPence());
    ch.put("amount_refunded", amountRefunded);
    ch.put("captured", true);
    ch.put("created", created.getEpochSecond() - 3_600);
    ch.put("currency", p.currency());
    ch.put("customer", p.customerId());
    ch.put("livemode", false);
    ch.putObject("metadata");
    ch.put("paid", true);
    ch.put("payment_intent", p.paymentIntentId());
    ch.put("payment_method", p.paymentMethodId());
    ch.put("refunded", amountRefunded >= p.amountPence());
    ch.put("status", "succeeded");
    return event(eventId, "charge.refunded", ch);
  }

  /**
   * charge.dispute.funds_withdrawn: the cardholder's bank took {@code amount} of the payment
   * back while dispute {@code disputeId} is open.
   */
  public String disputeFundsWithdrawn(String eventId, TopUp p, String disputeId, long amount) {
    return event(eventId, "charge.dispute.funds_withdrawn", dispute(p, disputeId, amount, "needs_response"));
  }

  /** charge.dispute.funds_reinstated: the dispute was won and its funds returned. */
  public String disputeFundsReinstated(String eventId, TopUp p, String disputeId, long amount) {
    return event(eventId, "charge.dispute.funds_reinstated", dispute(p, disputeId, amount, "won"));
  }

  private ObjectNode dispute(TopUp p, String disputeId, long amount, String status) {
    ObjectNode d = JSON.createObjectNode();
    d.put("id", disputeId);
    d.put("object", "dispute");
    d.put("amount", amount);
    d.putArray("balance_transactions");
    d.put("charge", p.chargeId());
    d.put("created", created.getEpochSecond() - 600);
    d.put("currency", p.currency());
    d.putArray("enhanced_eligibility_types");
    d.putObject("evidence").putNull("product_description").putNull("uncategorized_text");
    d.putObject("evidence_details").putNull("due_by").put("has_evidence", false).put("past_due", false)
        .put("submission_count", 0);
    d.put("is_charge_refundable", false);
    d.put("livemode", false);
    d.putObject("metadata");
    d.put("payment_intent", p.paymentIntentId());
    d.putObject("payment_method_details").put("type", "card").putObject("card").put("brand", "visa")
        .put("network_reason_code", "10.4");
    d.put("reason", "fraudulent");
    d.put("status", status);
    return d;
  }

  /** Any other event type, with a minimal object: the webhook must record it as ignored. */
  public String other(String eventId, String type, String objectKind) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", id(objectKind.substring(0, Math.min(3, objectKind.length()))));
    o.put("object", objectKind);
    return event(eventId, type, o);
  }

  /** The same event in another API version (an endpoint registered elsewhere, a dashboard test). */
  public StripeEvents inApiVersion(String version) {
    return new StripeEvents(version, created);
  }

  private static void metadata(ObjectNode object, TopUp p) {
    ObjectNode md = object.putObject("metadata");
    md.put("type", p.type());
    md.put("org_id", p.metadataOrgId());
    md.put("amount_pence", Long.toString(p.metadataPence()));
    if (p.stackId() != null) {
      md.put("stack_id", p.stackId());
    }
  }

  private String event(String eventId, String type, ObjectNode object) {
    ObjectNode e = JSON.createObjectNode();
    e.put("id", eventId);
    e.put("object", "event");
    e.put("api_version", apiVersion);
    e.put("created", created.getEpochSecond());
    e.putObject("data").set("object", object);
    e.put("livemode", false);
    e.put("pending_webhooks", 1);
    e.putObject("request").putNull("id").putNull("idempotency_key");
    e.put("type", type);
    try {
      // pretty-printed, as Stripe sends it: the signature covers every byte of it
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(e);
    } catch (JsonProcessingException ex) {
      throw new IllegalStateException(ex);
    }
  }
}
