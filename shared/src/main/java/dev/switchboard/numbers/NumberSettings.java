package dev.switchboard.numbers;

import dev.switchboard.config.Settings;
import dev.switchboard.domain.Pence;
import java.time.Duration;

/**
 * Settings of the number sagas. The lease must outlast the longest run of a saga (the
 * function's timeout), so a live saga is never taken over by a retry or the reconciler.
 */
public record NumberSettings(Pence price, Duration lease, int reconcileBatch) {
  public static NumberSettings from(Settings settings) {
    return new NumberSettings(
        Pence.of(settings.requireLong("NUMBER_PRICE_PENCE", 1000)),
        Duration.ofSeconds(settings.requireLong("SAGA_LEASE_SECONDS", 300)),
        (int) settings.requireLong("RECONCILE_BATCH_SIZE", 25));
  }
}
