package dev.switchboard.providers.stripe;

import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.StripeException;
import dev.switchboard.providers.ProviderException;
import dev.switchboard.providers.ProviderRejected;
import dev.switchboard.providers.ProviderUnavailable;

/**
 * Turns a {@link StripeException} into our provider exceptions, keeping Stripe's status,
 * error code and request id, and dropping Stripe's message (it may echo what we sent).
 *
 * <ul>
 *   <li>no answer (connection refused, dropped, timed out), 409 (a concurrent request with
 *       the same idempotency key, a lock timeout), 429 and 5xx: {@link ProviderUnavailable},
 *       the outcome is unknown;</li>
 *   <li>any other 4xx: {@link ProviderRejected} with Stripe's code
 *       ({@code resource_missing}, {@code parameter_invalid}, …).</li>
 * </ul>
 */
public final class StripeFailures {
  static final String PROVIDER = "stripe";

  private StripeFailures() {}

  /** The exception to throw for a failed Stripe call; {@code operation} names what we tried. */
  public static ProviderException map(StripeException e, String operation) {
    Integer status = e.getStatusCode();
    String requestId = e.getRequestId();
    String code = e.getCode();
    if (e instanceof ApiConnectionException || status == null || status == 0) {
      return new ProviderUnavailable(PROVIDER, operation, 0, requestId, "no answer", null);
    }
    if (status == 409 || status == 429 || status >= 500) {
      return new ProviderUnavailable(PROVIDER, operation, status, requestId,
          "HTTP " + status + (code == null ? "" : " (code " + code + ")"), null);
    }
    return new ProviderRejected(PROVIDER, operation, status, code, requestId, null);
  }
}
