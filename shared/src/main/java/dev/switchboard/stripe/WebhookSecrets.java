package dev.switchboard.stripe;

import dev.switchboard.json.Json;
import dev.switchboard.json.JsonException;
import dev.switchboard.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The signing secrets the webhook accepts, as the stack's secret holds them.
 *
 * <p>When the registrar replaces the endpoint, deliveries the old endpoint signed are still in
 * Stripe's retry queue (live mode retries for up to three days). So the secret keeps the
 * previous endpoint's key next to the current one until {@code previousUntil}:
 * {@code {"current":"whsec_…","previous":"whsec_…","previousUntil":"2026-12-05T08:00:00Z"}}.
 * A plain {@code whsec_…} string (a secret written by hand, or by an older registrar) is a
 * current key with no previous one.
 */
public record WebhookSecrets(String current, Optional<String> previous, Optional<Instant> previousUntil) {

  public WebhookSecrets {
    if (current == null || current.isBlank()) {
      throw new IllegalArgumentException("the signing secret is empty");
    }
  }

  public static WebhookSecrets only(String current) {
    return new WebhookSecrets(current, Optional.empty(), Optional.empty());
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
      return new WebhookSecrets(o.string("current"), o.optString("previous").filter(p -> !p.isBlank()), until);
    } catch (JsonException | DateTimeParseException | IllegalArgumentException e) {
      throw new IllegalArgumentException("the signing secret is not a whsec_ string or a JSON object of "
          + "current, previous and previousUntil");
    }
  }

  /** The keys a delivery may be signed with at {@code now}: the current, then the previous one in its grace. */
  public List<String> acceptedAt(Instant now) {
    if (previous.isPresent() && previousUntil.isPresent() && now.isBefore(previousUntil.get())) {
      return List.of(current, previous.get());
    }
    return List.of(current);
  }

  /** After the endpoint was replaced: {@code next} is current, this current one stays for {@code grace}. */
  public WebhookSecrets rolledTo(String next, Instant now, Duration grace) {
    if (next.equals(current)) {
      return this;
    }
    return new WebhookSecrets(next, Optional.of(current), Optional.of(now.plus(grace)));
  }

  /** The value to store: JSON when a previous key is kept, else the plain string. */
  public String stored() {
    if (previous.isEmpty()) {
      return current;
    }
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("current", current);
    o.put("previous", previous.get());
    previousUntil.ifPresent(u -> o.put("previousUntil", u.toString()));
    return Json.write(o);
  }

  /** Never the keys themselves. */
  @Override
  public String toString() {
    return "WebhookSecrets[previousUntil=" + previousUntil.map(Instant::toString).orElse("-") + "]";
  }
}
