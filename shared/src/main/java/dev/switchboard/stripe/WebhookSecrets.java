package dev.switchboard.stripe;

import dev.switchboard.json.Json;
import dev.switchboard.json.JsonException;
import dev.switchboard.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The signing secrets the webhook accepts, as the stack's secret holds them.
 *
 * <p>When the registrar replaces the endpoint, the replaced one is disabled as soon as the new
 * key is stored, and deleted by CloudFormation's cleanup minutes later. Until then deliveries it
 * signed may still arrive, so the secret keeps its key next to the current one, each with the
 * endpoint it belongs to (so a rolled-back replacement can put the previous one back):
 * {@code {"endpointId":"we_…","current":"whsec_…","previousEndpointId":"we_…","previous":"whsec_…"}}.
 * The registrar clears the previous key when that endpoint is deleted or found gone: a key no
 * endpoint signs with verifies nothing. A {@code previousUntil} (written by an older registrar)
 * still ends the previous key's acceptance. A plain {@code whsec_…} string (a secret written by
 * hand, or by an older registrar) is a current key with no previous one.
 */
public record WebhookSecrets(String current, Optional<String> endpointId, Optional<String> previous,
                             Optional<String> previousEndpointId, Optional<Instant> previousUntil) {

  public WebhookSecrets {
    if (current == null || current.isBlank()) {
      throw new IllegalArgumentException("the signing secret is empty");
    }
  }

  public static WebhookSecrets only(String current) {
    return new WebhookSecrets(current, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** The first key of a new endpoint, nothing before it. */
  public static WebhookSecrets of(String endpointId, String key) {
    return new WebhookSecrets(key, Optional.of(endpointId), Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** The stored value; an empty or unreadable one is refused without repeating it. */
  public static WebhookSecrets parse(String stored) {
    String text = stored == null ? "" : stored.trim();
    if (!text.startsWith("{")) {
      return only(text);
    }
    try {
      JsonObject o = Json.parseObject(text);
      Optional<Instant> until = o.optString("previousUntil").map(Instant::parse);
      return new WebhookSecrets(o.string("current"), o.optString("endpointId"),
          o.optString("previous").filter(p -> !p.isBlank()), o.optString("previousEndpointId"), until);
    } catch (JsonException | DateTimeParseException | IllegalArgumentException e) {
      throw new IllegalArgumentException("the signing secret is not a whsec_ string or a JSON object of "
          + "current, previous and previousUntil");
    }
  }

  /** The keys a delivery may be signed with at {@code now}: the current, then the previous one while it is kept. */
  public List<String> acceptedAt(Instant now) {
    if (previous.isPresent() && previousUntil.map(now::isBefore).orElse(true)) {
      return List.of(current, previous.get());
    }
    return List.of(current);
  }

  /**
   * A new endpoint's key is current; {@code previousKey}, the key of the endpoint it replaces
   * ({@code previousId}), stays accepted until that endpoint is deleted ({@link #withoutPrevious}).
   */
  public static WebhookSecrets replacing(String endpointId, String key, String previousId, String previousKey) {
    return new WebhookSecrets(key, Optional.of(endpointId), Optional.of(previousKey), Optional.of(previousId),
        Optional.empty());
  }

  /** The previous endpoint is gone: only the current key verifies. */
  public WebhookSecrets withoutPrevious() {
    return new WebhookSecrets(current, endpointId, Optional.empty(), Optional.empty(), Optional.empty());
  }

  /**
   * The previous endpoint serves again (its replacement was rolled back): its key is current,
   * and the replacement's stays accepted until the replacement is deleted.
   */
  public Optional<WebhookSecrets> withPreviousRestored() {
    if (previous.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new WebhookSecrets(previous.get(), previousEndpointId, Optional.of(current), endpointId,
        Optional.empty()));
  }

  /** The value to store, as JSON. */
  public String stored() {
    Map<String, Object> o = new LinkedHashMap<>();
    endpointId.ifPresent(id -> o.put("endpointId", id));
    o.put("current", current);
    previousEndpointId.ifPresent(id -> o.put("previousEndpointId", id));
    previous.ifPresent(key -> o.put("previous", key));
    previousUntil.ifPresent(u -> o.put("previousUntil", u.toString()));
    return Json.write(o);
  }

  /** Never the keys themselves. */
  @Override
  public String toString() {
    return "WebhookSecrets[endpointId=" + endpointId.orElse("-") + ", previousEndpointId="
        + previousEndpointId.orElse("-") + "]";
  }
}
