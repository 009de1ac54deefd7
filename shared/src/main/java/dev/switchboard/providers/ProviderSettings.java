package dev.switchboard.providers;

import dev.switchboard.config.Settings;
import java.time.Duration;

/** Timeouts every provider client uses: explicit, so a hung provider cannot eat the Lambda. */
public record ProviderSettings(Duration connectTimeout, Duration readTimeout) {
  public static ProviderSettings from(Settings settings) {
    return new ProviderSettings(
        Duration.ofMillis(settings.requireLong("PROVIDER_CONNECT_TIMEOUT_MS", 3_000)),
        Duration.ofMillis(settings.requireLong("PROVIDER_READ_TIMEOUT_MS", 10_000)));
  }
}
