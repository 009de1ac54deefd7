package dev.switchboard.function.webhookendpoint;

import dev.switchboard.config.Settings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the template tells the function to register, from its environment: an event whose
 * properties say otherwise was not made by this stack's template (anyone allowed to invoke the
 * function could send one: pointing the live endpoint elsewhere, or adding a second endpoint).
 */
record Configured(String url, String secretArn, Set<String> events) {
  static final String URL = "STRIPE_WEBHOOK_URL";
  static final String SECRET_ARN = "STRIPE_WEBHOOK_SIGNING_SECRET_ARN";
  static final String EVENTS = "STRIPE_WEBHOOK_EVENTS";

  static Configured from(Settings settings) {
    Set<String> events = new LinkedHashSet<>();
    Arrays.stream(settings.require(EVENTS).split(",")).map(String::trim).filter(e -> !e.isEmpty()).forEach(events::add);
    return new Configured(settings.require(URL).trim(), settings.require(SECRET_ARN).trim(), Set.copyOf(events));
  }

  /** Which of the event's properties differ from the configuration (names only), or empty. */
  Optional<String> mismatch(EndpointProperties p) {
    List<String> differ = new ArrayList<>();
    if (!url.equals(p.url())) {
      differ.add("Url (" + URL + ")");
    }
    if (!secretArn.equals(p.secretId())) {
      differ.add("SecretId (" + SECRET_ARN + ")");
    }
    if (!events.equals(Set.copyOf(p.enabledEvents()))) {
      differ.add("EnabledEvents (" + EVENTS + ")");
    }
    return differ.isEmpty() ? Optional.empty() : Optional.of("the event's " + String.join(", ", differ)
        + " differ from what the template gives this function: nothing was done");
  }
}
