package dev.switchboard.function.webhookendpoint;

import com.stripe.Stripe;
import dev.switchboard.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What the secret's current endpoint was last registered with, kept beside its key. A rollback
 * Update whose properties this already shows registered has nothing to undo: it is answered
 * without calling Stripe, so a Stripe outage or a revoked key cannot wedge the rollback.
 * Cleared before an in-place update changes the endpoint, written again after it.
 */
record Registration(String endpointId, String url, List<String> events, String description, String apiVersion) {
  static final String FIELD = "registration";

  static Registration of(String endpointId, EndpointProperties p, String apiVersion) {
    return new Registration(endpointId, p.url(), List.copyOf(p.enabledEvents()), p.description(), apiVersion);
  }

  /** The endpoint already has these properties, in the API version this code registers. */
  boolean shows(String physicalId, EndpointProperties p) {
    return p != null && endpointId.equals(physicalId) && url.equals(p.url())
        && Set.copyOf(events).equals(Set.copyOf(p.enabledEvents()))
        && Objects.equals(description, p.description()) && Stripe.API_VERSION.equals(apiVersion);
  }

  Map<String, Object> toJson() {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("endpointId", endpointId);
    o.put("url", url);
    o.put("events", events);
    if (description != null) {
      o.put("description", description);
    }
    o.put("apiVersion", apiVersion);
    return o;
  }

  static Optional<Registration> fromJson(JsonObject o) {
    try {
      List<String> events = o.list("events").stream().map(String::valueOf).toList();
      return Optional.of(new Registration(o.string("endpointId"), o.string("url"), events,
          o.optString("description").orElse(null), o.string("apiVersion")));
    } catch (RuntimeException e) {
      return Optional.empty(); // unreadable: nothing is known, so Stripe is asked
    }
  }
}
