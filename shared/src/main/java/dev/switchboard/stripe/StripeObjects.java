package dev.switchboard.stripe;

import dev.switchboard.domain.OrgId;
import dev.switchboard.json.JsonObject;
import java.util.Map;
import java.util.Optional;

/** Reading the parts of Stripe objects the webhook relies on. */
final class StripeObjects {
  static final JsonObject EMPTY = JsonObject.of(Map.of());

  private StripeObjects() {}

  static JsonObject metadata(JsonObject object) {
    return object.optObject("metadata").orElse(EMPTY);
  }

  /** A reference Stripe sends either as an id or, when expanded, as the object with its id. */
  static Optional<String> idOf(JsonObject object, String field) {
    Object value = object.asMap().get(field);
    if (value instanceof String) {
      return Optional.of((String) value).filter(s -> !s.isBlank());
    }
    if (value instanceof Map) {
      return object.object(field).optString("id").filter(s -> !s.isBlank());
    }
    return Optional.empty();
  }

  /** The referenced object when Stripe expanded it; empty when it sent only the id. */
  static Optional<JsonObject> expanded(JsonObject object, String field) {
    return object.asMap().get(field) instanceof Map ? object.optObject(field) : Optional.empty();
  }

  static Optional<OrgId> orgId(JsonObject metadata) {
    return metadata.optString("org_id").flatMap(OrgId::parse);
  }

  /** metadata values are strings: "5000"; anything else is no amount. */
  static Optional<Long> pence(JsonObject metadata, String field) {
    return metadata.optString(field).filter(s -> s.matches("[0-9]{1,12}")).map(Long::parseLong);
  }
}
