package dev.switchboard.stripe;

import dev.switchboard.error.ErrorCode;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonException;
import dev.switchboard.json.JsonObject;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A Stripe event as delivered, read with our own JSON parser rather than stripe-java's typed
 * deserializer: that one silently yields an empty object when the event's api_version is not
 * the SDK's, and a payment must never depend on that. {@code payload} is the body as signed.
 *
 * <p>PostgreSQL can store no U+0000 in text or jsonb. An event with one in any string is
 * {@link #unstorable()}: its type and payload are kept with U+FFFD in its place, so it can
 * still be recorded (as ignored: a retry cannot fix what it says) instead of failing forever.
 */
public record StripeEvent(String id, String type, Optional<String> apiVersion, boolean livemode,
                          JsonObject object, String payload, boolean unstorable, Optional<Instant> created) {
  private static final Pattern EVENT_ID = Pattern.compile("evt_[A-Za-z0-9_]{1,255}");
  private static final char NUL = '\u0000';
  private static final char REPLACEMENT = '\uFFFD';

  /** Parses a verified body; anything that is not an event is 400 invalid_payload. */
  public static StripeEvent parse(String payload) {
    try {
      JsonObject event = Json.parseObject(payload);
      String id = event.string("id");
      if (!EVENT_ID.matcher(id).matches()) {
        throw invalid("\"id\" is not a Stripe event id");
      }
      if (!"event".equals(event.optString("object").orElse("event"))) {
        throw invalid("the body is not a Stripe event");
      }
      JsonObject object = event.object("data").object("object");
      Optional<Instant> created = created(event);
      if (containsNul(event.asMap())) {
        return new StripeEvent(id, event.string("type").replace(NUL, REPLACEMENT),
            event.optString("api_version"), event.optBoolean("livemode").orElse(false), object,
            Json.write(withoutNul(event.asMap())), true, created);
      }
      return new StripeEvent(id, event.string("type"), event.optString("api_version"),
          event.optBoolean("livemode").orElse(false), object, payload, false, created);
    } catch (JsonException e) {
      throw invalid(e.getMessage());
    }
  }

  /** When Stripe created the event (epoch seconds), for the webhook-lag metric only: never a reason to refuse it. */
  private static Optional<Instant> created(JsonObject event) {
    try {
      return event.optLong("created").filter(s -> s > 0).map(Instant::ofEpochSecond);
    } catch (JsonException | java.time.DateTimeException e) {
      return Optional.empty();
    }
  }

  private static boolean containsNul(Object value) {
    if (value instanceof String text) {
      return text.indexOf(NUL) >= 0;
    }
    if (value instanceof Map<?, ?> map) {
      return map.entrySet().stream().anyMatch(e -> containsNul(e.getKey()) || containsNul(e.getValue()));
    }
    if (value instanceof List<?> list) {
      return list.stream().anyMatch(StripeEvent::containsNul);
    }
    return false;
  }

  private static Object withoutNul(Object value) {
    if (value instanceof String text) {
      return text.replace(NUL, REPLACEMENT);
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      map.forEach((k, v) -> copy.put(((String) k).replace(NUL, REPLACEMENT), withoutNul(v)));
      return copy;
    }
    if (value instanceof List<?> list) {
      return list.stream().map(StripeEvent::withoutNul).toList();
    }
    return value;
  }

  private static SwitchboardException invalid(String message) {
    return new SwitchboardException(ErrorCode.INVALID_PAYLOAD, "not a Stripe event: " + message);
  }
}
