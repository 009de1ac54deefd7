package dev.switchboard.wallet;

import dev.switchboard.config.MissingConfigException;
import dev.switchboard.config.Settings;
import dev.switchboard.domain.Pence;
import dev.switchboard.limits.RateLimit;
import java.time.Duration;
import java.util.Optional;

/**
 * Top-up limits and return pages: TOP_UP_MINIMUM_PENCE (default 2500), TOP_UP_MAXIMUM_PENCE
 * (default 99,999,999, Stripe's largest GBP amount), TOP_UP_SUCCESS_URL and
 * TOP_UP_CANCEL_URL (the defaults, optional), and TOP_UP_RETURN_ORIGINS: the origins a
 * request may name its own return pages on (comma separated; empty means the defaults'
 * origins only). TOP_UP_LIMIT_PER_MINUTE (default 10, 0 turns it off): each top-up is a call on
 * the Stripe account every tenant shares, so one tenant's burst may not use up its rate limit.
 */
public record TopUpSettings(Pence minimum, Pence maximum, Optional<String> successUrl,
                            Optional<String> cancelUrl, ReturnUrls returnUrls, RateLimit limit) {
  public static final long DEFAULT_MINIMUM_PENCE = 2500;
  public static final long STRIPE_MAXIMUM_PENCE = 99_999_999;
  public static final long DEFAULT_LIMIT_PER_MINUTE = 10;

  public static TopUpSettings from(Settings settings) {
    long min = settings.requireLong("TOP_UP_MINIMUM_PENCE", DEFAULT_MINIMUM_PENCE);
    long max = settings.requireLong("TOP_UP_MAXIMUM_PENCE", STRIPE_MAXIMUM_PENCE);
    if (min < 1 || max < min || max > STRIPE_MAXIMUM_PENCE) {
      throw new MissingConfigException("TOP_UP_MINIMUM_PENCE",
          "TOP_UP_MINIMUM_PENCE and TOP_UP_MAXIMUM_PENCE must satisfy 1 <= minimum <= maximum <= "
              + STRIPE_MAXIMUM_PENCE);
    }
    Optional<String> success = settings.get("TOP_UP_SUCCESS_URL");
    Optional<String> cancel = settings.get("TOP_UP_CANCEL_URL");
    success.filter(url -> ReturnUrls.origin(url).isEmpty()).ifPresent(url -> {
      throw new MissingConfigException("TOP_UP_SUCCESS_URL", "TOP_UP_SUCCESS_URL " + ReturnUrls.SHAPE);
    });
    cancel.filter(url -> ReturnUrls.origin(url).isEmpty()).ifPresent(url -> {
      throw new MissingConfigException("TOP_UP_CANCEL_URL", "TOP_UP_CANCEL_URL " + ReturnUrls.SHAPE);
    });
    ReturnUrls returnUrls;
    try {
      returnUrls = ReturnUrls.of(settings.getOrDefault("TOP_UP_RETURN_ORIGINS", ""), success, cancel);
    } catch (IllegalArgumentException e) {
      throw new MissingConfigException("TOP_UP_RETURN_ORIGINS", "TOP_UP_RETURN_ORIGINS holds \"" + e.getMessage()
          + "\": each entry must be an origin such as https://app.example.com (no path)");
    }
    long perMinute = settings.requireLong("TOP_UP_LIMIT_PER_MINUTE", DEFAULT_LIMIT_PER_MINUTE);
    if (perMinute < 0 || perMinute > 100_000) {
      throw new MissingConfigException("TOP_UP_LIMIT_PER_MINUTE", "TOP_UP_LIMIT_PER_MINUTE must be from 0 (off) to 100000");
    }
    return new TopUpSettings(Pence.of(min), Pence.of(max), success, cancel, returnUrls,
        new RateLimit("top_up", (int) perMinute, Duration.ofMinutes(1)));
  }
}
