package dev.switchboard.function.webhookendpoint;

import com.stripe.param.WebhookEndpointCreateParams.EnabledEvent;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The resource's properties as the template gives them, checked before any call to Stripe:
 * {@code Url} (https), {@code EnabledEvents} (Stripe event types), {@code SecretId} (where the
 * signing secret goes) and an optional {@code Description}.
 */
record EndpointProperties(String url, List<String> enabledEvents, String secretId, String description) {

  static EndpointProperties from(Map<String, Object> properties) {
    if (properties == null) {
      throw new InvalidProperties("the resource has no properties (Url, EnabledEvents, SecretId)");
    }
    String url = text(properties, "Url");
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new InvalidProperties("Url is not a URL");
    }
    if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new InvalidProperties("Url must be an https URL (Stripe delivers only to https)");
    }
    Object events = properties.get("EnabledEvents");
    if (!(events instanceof List<?> list) || list.isEmpty()) {
      throw new InvalidProperties("EnabledEvents must be a non-empty list of Stripe event types");
    }
    List<String> types = new ArrayList<>();
    for (Object e : list) {
      String type = String.valueOf(e).trim();
      if (Arrays.stream(EnabledEvent.values()).noneMatch(v -> v.getValue().equals(type))) {
        throw new InvalidProperties("EnabledEvents: " + type + " is not a Stripe event type");
      }
      if (!types.contains(type)) {
        types.add(type);
      }
    }
    Object description = properties.get("Description");
    return new EndpointProperties(url, List.copyOf(types), text(properties, "SecretId"),
        description == null || String.valueOf(description).isBlank() ? null : String.valueOf(description));
  }

  List<EnabledEvent> createEvents() {
    return enabledEvents.stream()
        .map(t -> Arrays.stream(EnabledEvent.values()).filter(v -> v.getValue().equals(t)).findFirst().orElseThrow())
        .toList();
  }

  List<com.stripe.param.WebhookEndpointUpdateParams.EnabledEvent> updateEvents() {
    var values = com.stripe.param.WebhookEndpointUpdateParams.EnabledEvent.values();
    return enabledEvents.stream()
        .map(t -> Arrays.stream(values).filter(v -> v.getValue().equals(t)).findFirst()
            .orElseThrow(() -> new InvalidProperties("EnabledEvents: " + t + " cannot be set on an update")))
        .toList();
  }

  boolean sameSecretAs(EndpointProperties other) {
    return other != null && Objects.equals(secretId, other.secretId);
  }

  private static String text(Map<String, Object> properties, String name) {
    Object value = properties.get(name);
    if (value == null || String.valueOf(value).isBlank()) {
      throw new InvalidProperties(name + " is required");
    }
    return String.valueOf(value).trim();
  }
}
