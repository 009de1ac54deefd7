package dev.switchboard.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testing.stripe.StripeSignatures;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

/**
 * The Stripe samples in {@code events/} were signed once, at a fixed time, with the tests'
 * secret: the webhook refuses them (too old, another secret), as it must refuse any replayed
 * delivery. When the webhook secret is the runner's sandbox secret, {@code invoke} signs such
 * an event again, now and with that secret, and says so; with a secret of your own (from
 * {@code stripe listen}, or a deployed stack) the event goes to the function unchanged.
 */
final class StripeSampleSigning {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StripeSampleSigning() {}

  /** The event, with its Stripe-Signature signed again when it is an HTTP API event that has one. */
  static String signAgain(String eventJson, String sandboxSecret, PrintStream err) {
    JsonNode event;
    try {
      event = JSON.readTree(eventJson);
    } catch (IOException e) {
      return eventJson;
    }
    if (event == null || !event.path("headers").isObject() || !event.path("body").isTextual()) {
      return eventJson;
    }
    ObjectNode headers = (ObjectNode) event.get("headers");
    String header = null;
    for (Iterator<Map.Entry<String, JsonNode>> it = headers.fields(); it.hasNext(); ) {
      String name = it.next().getKey();
      if (name.equalsIgnoreCase("stripe-signature")) {
        header = name;
      }
    }
    if (header == null) {
      return eventJson;
    }
    String body = event.get("body").asText();
    String payload = event.path("isBase64Encoded").asBoolean(false)
        ? new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8) : body;
    headers.put(header, StripeSignatures.header(payload, sandboxSecret, Instant.now()));
    err.println("  webhook   SANDBOX   the event's Stripe-Signature is signed again, now, with the sandbox's"
        + " STRIPE_WEBHOOK_SECRET (a sample's own signature is old and not this secret's); real deliveries:"
        + " stripe listen --forward-to, see docs/local.md");
    return event.toString();
  }
}
