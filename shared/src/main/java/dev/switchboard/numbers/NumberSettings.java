package dev.switchboard.numbers;

import dev.switchboard.config.Settings;
import dev.switchboard.domain.Pence;
import dev.switchboard.limits.RateLimit;
import java.time.Duration;

/**
 * Settings of the number sagas. The lease must outlast the longest run of a saga (the
 * function's timeout), so a live saga is never taken over by a retry or the reconciler.
 *
 * <p>Two per-organisation limits protect the platform's Twilio account, which every tenant's
 * search and purchase go through: SEARCH_LIMIT_PER_MINUTE searches (default 30) and
 * FAILED_PROVISIONING_LIMIT_PER_HOUR provisioning attempts that failed because of what the
 * request asked for (default 5; each one called Twilio, and a refund lets the tenant try again
 * at once; a failure of the platform does not count). 0 turns a limit off.
 *
 * <p>The reconciler's orphan sweep lists the numbers of RECONCILE_SUBACCOUNTS_PER_RUN
 * subaccounts (default 200) per run, going on where the previous run stopped.
 */
public record NumberSettings(Pence price, Duration lease, int reconcileBatch, RateLimit searches,
                             RateLimit failedAttempts, int subaccountsPerSweep) {
  public static final long DEFAULT_SEARCHES_PER_MINUTE = 30;
  public static final long DEFAULT_FAILED_ATTEMPTS_PER_HOUR = 5;

  public static NumberSettings from(Settings settings) {
    return new NumberSettings(
        Pence.of(settings.requireLong("NUMBER_PRICE_PENCE", 1000)),
        Duration.ofSeconds(settings.requireLong("SAGA_LEASE_SECONDS", 300)),
        (int) settings.requireLong("RECONCILE_BATCH_SIZE", 25),
        limit(settings, "SEARCH_LIMIT_PER_MINUTE", "search", DEFAULT_SEARCHES_PER_MINUTE, Duration.ofMinutes(1)),
        limit(settings, "FAILED_PROVISIONING_LIMIT_PER_HOUR", "failed_provisioning", DEFAULT_FAILED_ATTEMPTS_PER_HOUR,
            Duration.ofHours(1)),
        (int) settings.requireLong("RECONCILE_SUBACCOUNTS_PER_RUN", 200));
  }

  private static RateLimit limit(Settings settings, String name, String action, long fallback, Duration window) {
    long max = settings.requireLong(name, fallback);
    if (max < 0 || max > 100_000) {
      throw new dev.switchboard.config.MissingConfigException(name, name + " must be from 0 (off) to 100000");
    }
    return new RateLimit(action, (int) max, window);
  }
}
