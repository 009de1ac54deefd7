package dev.switchboard.providers.stripe;

import com.stripe.StripeClient;
import dev.switchboard.config.MissingConfigException;
import dev.switchboard.config.Settings;
import dev.switchboard.providers.ProviderSettings;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * Builds the one {@link StripeClient} a container uses: its own key and base URL, explicit
 * timeouts, bounded retries, and no global {@code Stripe.apiKey} (two clients in one JVM,
 * as in the tests, never see each other's key).
 */
public final class StripeClients {
  public static final String DEFAULT_BASE_URL = "https://api.stripe.com";

  /**
   * One automatic retry, on a connect/read timeout or a dropped connection, or where Stripe
   * answers {@code Stripe-Should-Retry: true}; failing that header, on a 409 or a 5xx
   * (stripe-java 33.3.0's rules, in that order). A 5xx Stripe kept under the idempotency key
   * says {@code Stripe-Should-Retry: false} and is not retried: a retry would get the same
   * answer. Safe because stripe-java puts an {@code Idempotency-Key} on every POST, so a retried
   * create is answered with the first result instead of doing it twice.
   * One and not more: the wallet answers an API Gateway request that gives up after 30 s,
   * and with the default 10 s read timeout two attempts plus the 0.5 s backoff still fit;
   * beyond one blip the caller's own error handling (and Stripe's or CloudFormation's
   * retries) is the better place to try again.
   */
  public static final int MAX_NETWORK_RETRIES = 1;

  private StripeClients() {}

  /** STRIPE_API_KEY (required), STRIPE_API_BASE_URL (default {@value #DEFAULT_BASE_URL}), timeouts. */
  public static StripeClient from(Settings settings) {
    String apiKey = settings.require("STRIPE_API_KEY");
    String baseUrl = baseUrl(settings.getOrDefault("STRIPE_API_BASE_URL", DEFAULT_BASE_URL));
    ProviderSettings timeouts = ProviderSettings.from(settings);
    return StripeClient.builder()
        .setApiKey(apiKey)
        .setApiBase(baseUrl)
        .setConnectTimeout(millis(timeouts.connectTimeout().toMillis(), "PROVIDER_CONNECT_TIMEOUT_MS"))
        .setReadTimeout(millis(timeouts.readTimeout().toMillis(), "PROVIDER_READ_TIMEOUT_MS"))
        .setMaxNetworkRetries(MAX_NETWORK_RETRIES)
        .build();
  }

  private static String baseUrl(String text) {
    String trimmed = text.trim();
    try {
      URI uri = new URI(trimmed);
      if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
        throw new URISyntaxException(trimmed, "not an http(s) URL");
      }
    } catch (URISyntaxException e) {
      throw new MissingConfigException("STRIPE_API_BASE_URL", "STRIPE_API_BASE_URL must be an http(s) URL");
    }
    // stripe-java appends "/v1/..." itself
    return trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
  }

  private static int millis(long value, String name) {
    if (value <= 0 || value > Integer.MAX_VALUE) {
      throw new MissingConfigException(name, name + " must be a positive number of milliseconds");
    }
    return (int) value;
  }
}
