package dev.switchboard.stripe;

import com.stripe.StripeClient;
import com.stripe.exception.AuthenticationException;
import com.stripe.exception.IdempotencyException;
import com.stripe.exception.InvalidRequestException;
import com.stripe.exception.StripeException;
import com.stripe.net.RequestOptions;
import com.stripe.param.checkout.SessionCreateParams;
import com.stripe.param.checkout.SessionCreateParams.LineItem;
import com.stripe.param.checkout.SessionCreateParams.PaymentIntentData;
import dev.switchboard.log.Log;
import dev.switchboard.log.Metrics;
import dev.switchboard.providers.ProviderRejected;
import dev.switchboard.providers.ProviderUnavailable;
import dev.switchboard.config.Credential;
import dev.switchboard.providers.stripe.StripeFailures;
import dev.switchboard.wallet.TopUpCheckout;
import dev.switchboard.wallet.TopUpCheckout.ReturnUrlRefused;
import java.util.Optional;

/**
 * A top-up as a Stripe Checkout Session: GBP, mode payment, one line of the amount, the org
 * in client_reference_id, and metadata {type: wallet_topup, org_id, amount_pence, stack_id} on
 * the session and on its PaymentIntent (the webhook checks both against what Stripe charged,
 * and applies only its own stack's: {@link StackIdentity}).
 * {@code setup_future_usage = off_session} keeps the card for auto-recharge; the org's
 * Stripe customer is reused when known, otherwise Checkout creates one.
 */
public final class StripeTopUpCheckout implements TopUpCheckout {
  static final String OPERATION = "checkout.sessions.create";
  private static final Log LOG = Log.of(StripeTopUpCheckout.class);

  private final StripeClient stripe;
  private final Credential apiKey;
  private final StackIdentity stack;

  /** {@code apiKey} is sent with each request, so a rotated key is used once it is read. */
  public StripeTopUpCheckout(StripeClient stripe, Credential apiKey, StackIdentity stack) {
    this.stripe = stripe;
    this.apiKey = apiKey;
    this.stack = stack;
  }

  @Override
  public Session create(Order order, String idempotencyKey) {
    try {
      try {
        return create(params(order, order.customerId()), idempotencyKey);
      } catch (IdempotencyException e) {
        if (order.customerId().isEmpty()) {
          throw e;
        }
        return createForAnEarlierCustomer(order, idempotencyKey);
      } catch (InvalidRequestException e) {
        if (order.customerId().isEmpty() || !"customer".equals(e.getParam())
            || !"resource_missing".equals(e.getCode())) {
          throw e;
        }
        // the stored customer is gone at Stripe (deleted there, or a key of the other mode):
        // Checkout makes a new one, which the webhook stores once paid; a key of its own, so a
        // retry of this request finds the same session
        LOG.warn("stripe.customer.missing", "orgId", order.orgId());
        return create(params(order, Optional.empty()), idempotencyKey + ":new-customer");
      }
    } catch (InvalidRequestException e) {
      // Stripe names the parameter it refused ("Not a valid URL", code url_invalid)
      if ("success_url".equals(e.getParam()) || "cancel_url".equals(e.getParam())) {
        throw new ReturnUrlRefused(e.getParam());
      }
      throw StripeFailures.map(e, OPERATION);
    } catch (IdempotencyException e) {
      // the same key with other parameters: Stripe says so by type, with no code
      throw new ProviderRejected("stripe", OPERATION, statusOf(e), "idempotency_error", e.getRequestId(), null);
    } catch (StripeException e) {
      throw StripeFailures.map(e, OPERATION);
    }
  }

  /**
   * The first request with this key named another customer than the org has now: another
   * top-up's payment stored one since. The first request was most likely made before the org
   * had any, and the same request as then finds its session. Otherwise (the stored customer was
   * replaced since) that session cannot be found: a new one, under a key of its own for this
   * customer, so a retry finds it; the first, if ever paid, is credited as any other.
   */
  private Session createForAnEarlierCustomer(Order order, String idempotencyKey) throws StripeException {
    try {
      return create(params(order, Optional.empty()), idempotencyKey);
    } catch (IdempotencyException e) {
      LOG.warn("stripe.topup.customer_changed", "orgId", order.orgId());
      return create(params(order, order.customerId()), idempotencyKey + ":" + order.customerId().orElseThrow());
    }
  }

  private SessionCreateParams params(Order order, Optional<String> customer) {
    String org = order.orgId().toString();
    String pence = Long.toString(order.amount().value());
    PaymentIntentData.Builder intent = PaymentIntentData.builder()
        .setSetupFutureUsage(PaymentIntentData.SetupFutureUsage.OFF_SESSION)
        .putMetadata("type", "wallet_topup")
        .putMetadata("org_id", org)
        .putMetadata("amount_pence", pence);
    stack.id().ifPresent(id -> intent.putMetadata(StackIdentity.METADATA_KEY, id));
    SessionCreateParams.Builder params = SessionCreateParams.builder()
        .setMode(SessionCreateParams.Mode.PAYMENT)
        .setCurrency(TopUpCredits.CURRENCY)
        .addLineItem(LineItem.builder()
            .setQuantity(1L)
            .setPriceData(LineItem.PriceData.builder()
                .setCurrency(TopUpCredits.CURRENCY)
                .setUnitAmount(order.amount().value())
                .setProductData(LineItem.PriceData.ProductData.builder().setName("Wallet top-up").build())
                .build())
            .build())
        .setClientReferenceId(org)
        .putMetadata("type", "wallet_topup")
        .putMetadata("org_id", org)
        .putMetadata("amount_pence", pence)
        .setPaymentIntentData(intent.build())
        .setSuccessUrl(order.successUrl())
        .setCancelUrl(order.cancelUrl());
    stack.id().ifPresent(id -> params.putMetadata(StackIdentity.METADATA_KEY, id));
    if (customer.isPresent()) {
      params.setCustomer(customer.get());
    } else {
      params.setCustomerCreation(SessionCreateParams.CustomerCreation.ALWAYS);
    }
    return params.build();
  }

  /** Creates the session with the current key; a 401 re-reads the key once (it may have been rotated). */
  private Session create(SessionCreateParams params, String idempotencyKey) throws StripeException {
    String key = apiKey.current();
    com.stripe.model.checkout.Session session;
    try {
      session = create(params, idempotencyKey, key);
    } catch (AuthenticationException e) {
      // 401: nothing was created
      if (!apiKey.reread(key)) {
        throw e;
      }
      session = create(params, idempotencyKey, apiKey.current());
    }
    return new Session(session.getId(), session.getUrl());
  }

  private com.stripe.model.checkout.Session create(SessionCreateParams params, String idempotencyKey, String key)
      throws StripeException {
    long started = System.nanoTime();
    boolean providerFailed = false;
    try {
      return stripe.v1().checkout().sessions().create(params,
          RequestOptions.builder().setApiKey(key).setIdempotencyKey(idempotencyKey).build());
    } catch (StripeException e) {
      providerFailed = StripeFailures.map(e, OPERATION) instanceof ProviderUnavailable;
      throw e;
    } finally {
      Metrics.providerCall("stripe", OPERATION, started, providerFailed);
    }
  }

  private static int statusOf(StripeException e) {
    return e.getStatusCode() == null ? 400 : e.getStatusCode();
  }
}
