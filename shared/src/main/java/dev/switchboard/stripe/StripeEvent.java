package dev.switchboard.stripe;

import dev.switchboard.error.ErrorCode;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonException;
import dev.switchboard.json.JsonObject;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A Stripe event as delivered, read with our own JSON parser rather than stripe-java's typed
 * deserializer: that one silently yields an empty object when the event's api_version is not
 * the SDK's, and a payment must never depend on that. {@code payload} is the body as signed.
 */
public record StripeEvent(String id, String type, Optional<String> apiVersion, boolean livemode,
                          JsonObject object, String payload) {
  private static final Pattern EVENT_ID = Pattern.compile("evt_[A-Za-z0-9_]{1,255}");

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
      return new StripeEvent(id, event.string("type"), event.optString("api_version"),
          event.optBoolean("livemode").orElse(false), event.object("data").object("object"), payload);
    } catch (JsonException e) {
      throw invalid(e.getMessage());
    }
  }

  private static SwitchboardException invalid(String message) {
    return new SwitchboardException(ErrorCode.INVALID_PAYLOAD, "not a Stripe event: " + message);
  }
}
