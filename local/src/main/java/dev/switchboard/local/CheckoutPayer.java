package dev.switchboard.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testing.fake.FakeStripe;
import dev.switchboard.testing.stripe.StripeSignatures;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * What the customer and Stripe do between a Checkout session and the webhook, in the sandbox:
 * the fake Stripe marks the session paid, and its {@code checkout.session.completed} event is
 * delivered to the local {@code POST /webhooks/stripe}, signed as Stripe signs, with the
 * secret the webhook function verifies with.
 */
final class CheckoutPayer {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final FakeStripe stripe;
  private final String webhookSecret;
  private final String webhookUrl;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  CheckoutPayer(FakeStripe stripe, String webhookSecret, String webhookUrl) {
    this.stripe = stripe;
    this.webhookSecret = webhookSecret;
    this.webhookUrl = webhookUrl;
  }

  /** The fake Stripe whose sessions this pays. */
  FakeStripe stripe() {
    return stripe;
  }

  /** The delivery as it went: the signed event and the webhook's answer. */
  record Delivery(String event, String signature, int status, String answer) {}

  /**
   * Pays the session; unknown session ids are an {@link IllegalArgumentException}, a session
   * paid already or expired an {@link IllegalStateException} (nothing is sent).
   */
  Delivery pay(String sessionId) {
    Map<String, Object> paid = stripe.completeSession(sessionId);
    ObjectNode event = JSON.createObjectNode();
    event.put("id", "evt_local" + Secrets.hex(12));
    event.put("object", "event");
    event.put("api_version", com.stripe.Stripe.API_VERSION); // the version our endpoint is registered with
    event.put("created", System.currentTimeMillis() / 1000);
    event.put("livemode", false);
    event.put("pending_webhooks", 1);
    event.put("type", "checkout.session.completed");
    event.putObject("data").set("object", JSON.valueToTree(paid));
    String body = event.toString();
    String signature = StripeSignatures.header(body, webhookSecret, Instant.now());
    HttpRequest request = HttpRequest.newBuilder(URI.create(webhookUrl))
        .timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json; charset=utf-8")
        .header("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
        .header("Stripe-Signature", signature)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      return new Delivery(body, signature, response.statusCode(), response.body());
    } catch (IOException e) {
      return new Delivery(body, signature, 0, "no answer: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Delivery(body, signature, 0, "interrupted");
    }
  }
}
