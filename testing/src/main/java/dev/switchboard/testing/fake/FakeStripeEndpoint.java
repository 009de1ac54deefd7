package dev.switchboard.testing.fake;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A webhook endpoint as the fake Stripe holds it. Its signing secret is kept apart
 * ({@link FakeStripe#secretOf}) so that printing an endpoint never shows it.
 */
public record FakeStripeEndpoint(String id, String url, List<String> enabledEvents, String apiVersion,
                                 String description, Map<String, String> metadata, boolean disabled,
                                 long created) {
  public FakeStripeEndpoint {
    enabledEvents = List.copyOf(enabledEvents);
    metadata = Map.copyOf(metadata);
  }

  /** The webhook_endpoint object; {@code secret} only when given (the create response). */
  Map<String, Object> toJson(String secret) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", id);
    json.put("object", "webhook_endpoint");
    json.put("api_version", apiVersion);
    json.put("application", null);
    json.put("created", created);
    json.put("description", description);
    json.put("enabled_events", enabledEvents);
    json.put("livemode", false);
    json.put("metadata", new LinkedHashMap<>(metadata));
    if (secret != null) {
      json.put("secret", secret);
    }
    json.put("status", disabled ? "disabled" : "enabled");
    json.put("url", url);
    return json;
  }
}
