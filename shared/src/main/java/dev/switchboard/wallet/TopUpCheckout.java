package dev.switchboard.wallet;

import dev.switchboard.domain.OrgId;
import dev.switchboard.domain.Pence;
import java.util.Optional;

/** Where a top-up is paid: a hosted checkout page (Stripe Checkout in production). */
public interface TopUpCheckout {

  /** What the checkout must charge and where it sends the customer back to. */
  record Order(OrgId orgId, Pence amount, Optional<String> customerId, String successUrl, String cancelUrl) {}

  /** The page to send the customer to. */
  record Session(String id, String url) {}

  /**
   * Creates the checkout; the same {@code idempotencyKey} with the same order answers the
   * same session. Throws ProviderRejected/ProviderUnavailable when the provider fails, and
   * {@link ReturnUrlRefused} when it refuses a return page.
   */
  Session create(Order order, String idempotencyKey);

  /** The provider refused a return page ({@code success_url} or {@code cancel_url}): the client's input. */
  final class ReturnUrlRefused extends RuntimeException implements dev.switchboard.log.Log.SafeToLog {
    private final String param;

    public ReturnUrlRefused(String param) {
      super("the checkout provider refused " + param);
      this.param = param;
    }

    public String param() {
      return param;
    }
  }
}
