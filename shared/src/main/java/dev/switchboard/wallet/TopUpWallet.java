package dev.switchboard.wallet;

import dev.switchboard.db.Database;
import dev.switchboard.domain.OrgId;
import dev.switchboard.domain.Pence;
import dev.switchboard.error.ErrorCode;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.json.JsonException;
import dev.switchboard.limits.RateLimits;
import dev.switchboard.json.JsonObject;
import dev.switchboard.http.Requests;
import dev.switchboard.log.Log;
import dev.switchboard.org.Organizations;
import dev.switchboard.providers.ProviderException;
import dev.switchboard.providers.ProviderRejected;
import dev.switchboard.providers.ProviderUnavailable;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * POST /wallet/top-ups: opens a checkout for a wallet top-up. Nothing is recorded here: the
 * wallet is credited only by the webhook, when Stripe says the payment was made.
 */
public final class TopUpWallet {
  private static final Log LOG = Log.of(TopUpWallet.class);
  private static final Set<String> FIELDS = Set.of("amountPence", "successUrl", "cancelUrl");
  private static final Pattern CLIENT_KEY = Pattern.compile("[\\x21-\\x7E]{1,128}");

  private final Database database;
  private final TopUpCheckout checkout;
  private final TopUpSettings settings;
  private final Organizations organizations = new Organizations();
  private final RateLimits rateLimits = new RateLimits();

  public TopUpWallet(Database database, TopUpCheckout checkout, TopUpSettings settings) {
    this.database = database;
    this.checkout = checkout;
    this.settings = settings;
  }

  /**
   * {@code idempotencyKey} is the client's Idempotency-Key header, if any: a retry with it
   * gets the same session from Stripe instead of a second one.
   */
  public TopUpCheckout.Session start(OrgId orgId, JsonObject body, Optional<String> idempotencyKey) {
    // the org first (an unknown org is 404 whatever the body says), then the body and the key (a
    // 400 rolls back before the limit counts it), then the org's limit of top-ups
    Attempt attempt = database.inTransaction(tx -> {
      TopUpCheckout.Order o = order(orgId, organizations.require(tx, orgId).stripeCustomerId(), body);
      String k = "wallet-topup:" + orgId + ":" + idempotencyKey.map(TopUpWallet::clientKey)
          .orElseGet(() -> UUID.randomUUID().toString()); // namespaced: orgs never share a key at Stripe
      rateLimits.take(tx, orgId, settings.limit(), "top-ups");
      return new Attempt(o, k);
    });
    TopUpCheckout.Order order = attempt.order();
    String key = attempt.stripeKey();
    try {
      TopUpCheckout.Session session = checkout.create(order, key);
      LOG.info("wallet.topup.checkout_created", "orgId", orgId, "sessionId", session.id(),
          "amountPence", order.amount().value());
      return session;
    } catch (TopUpCheckout.ReturnUrlRefused e) {
      // a URL our checks passed and Stripe did not: the client's input, so 400 and not 502
      String field = e.param().equals("cancel_url") ? "cancelUrl" : "successUrl";
      throw SwitchboardException.invalidField(field, "Stripe does not accept " + field + " as a return page");
    } catch (ProviderRejected e) {
      if ("idempotency_error".equals(e.code()) || "idempotency_key_in_use".equals(e.code())) {
        throw new SwitchboardException(ErrorCode.IDEMPOTENCY_CONFLICT,
            "this Idempotency-Key was used for a different top-up");
      }
      throw providerError(e);
    } catch (ProviderUnavailable e) {
      if (e.status() == 409) {
        throw new SwitchboardException(ErrorCode.REQUEST_IN_PROGRESS,
            "a top-up with this Idempotency-Key is being created; try again shortly");
      }
      if (e.status() >= 500 && idempotencyKey.isPresent()) {
        // Stripe keeps its answer for the key (a day): the same key would get this error again
        throw new SwitchboardException(ErrorCode.PROVIDER_ERROR, "Stripe could not create the checkout; "
            + "nothing was charged. Stripe keeps this answer for the Idempotency-Key: send the request "
            + "again with a new Idempotency-Key", Map.of("provider", "stripe"), e);
      }
      throw providerError(e);
    }
  }

  /** A top-up that passed every check: what to ask Stripe for, and under which idempotency key. */
  private record Attempt(TopUpCheckout.Order order, String stripeKey) {}

  private TopUpCheckout.Order order(OrgId orgId, Optional<String> customer, JsonObject body) {
    long amount;
    Optional<String> successUrl;
    Optional<String> cancelUrl;
    try {
      body.onlyFields(FIELDS);
      amount = body.longValue("amountPence");
      successUrl = body.optString("successUrl");
      cancelUrl = body.optString("cancelUrl");
    } catch (JsonException e) {
      throw Requests.invalid(e);
    }
    if (amount < settings.minimum().value() || amount > settings.maximum().value()) {
      throw new SwitchboardException(ErrorCode.INVALID_REQUEST, "amountPence must be between "
          + settings.minimum().value() + " and " + settings.maximum().value(),
          Map.of("field", "amountPence", "minimumPence", settings.minimum().value()));
    }
    String success = returnUrl(successUrl, settings.successUrl(), "successUrl");
    String cancel = returnUrl(cancelUrl, settings.cancelUrl(), "cancelUrl");
    return new TopUpCheckout.Order(orgId, Pence.of(amount), customer, success, cancel);
  }

  private String returnUrl(Optional<String> requested, Optional<String> configured, String field) {
    if (requested.isPresent()) {
      if (ReturnUrls.origin(requested.get()).isEmpty()) {
        throw SwitchboardException.invalidField(field, field + " " + ReturnUrls.SHAPE);
      }
      if (!settings.returnUrls().isAllowed(requested.get())) {
        throw SwitchboardException.invalidField(field, field + " must be a page on an allowed origin ("
            + (settings.returnUrls().origins().isEmpty() ? "none is configured" : String.join(", ",
                new java.util.TreeSet<>(settings.returnUrls().origins()))) + ")");
      }
      return requested.get();
    }
    return configured.orElseThrow(() -> SwitchboardException.invalidField(field,
        field + " is required (no default is configured)"));
  }

  private static String clientKey(String key) {
    if (!CLIENT_KEY.matcher(key).matches()) {
      throw SwitchboardException.invalidField("Idempotency-Key",
          "the Idempotency-Key header must be 1 to 128 visible ASCII characters");
    }
    return key;
  }

  private static SwitchboardException providerError(ProviderException e) {
    return new SwitchboardException(ErrorCode.PROVIDER_ERROR,
        "Stripe could not create the checkout; nothing was charged, try again",
        Map.of("provider", "stripe"), e);
  }
}
