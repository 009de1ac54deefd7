package dev.switchboard.function.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.switchboard.config.Settings;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonObject;
import dev.switchboard.testing.ApiEvents;
import dev.switchboard.testing.Events;
import dev.switchboard.testing.TestData;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.stripe.StripeEvents;
import dev.switchboard.wiring.Platform;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;

/** The real handler on a {@link TestWorld}, and Stripe deliveries signed the way Stripe signs them. */
final class WebhookDriver {
  final TestWorld world;
  final TestData db;
  final StripeEvents stripe;
  final Clock clock;
  StripeWebhookHandler handler;

  WebhookDriver(TestWorld world) {
    this.world = world;
    this.db = world.db();
    this.stripe = world.stripeEvents();
    this.clock = world.clock();
    this.handler = handler(Settings.of(settings()));
  }

  Map<String, String> settings() {
    return world.settings();
  }

  StripeWebhookHandler handler(Settings settings) {
    return new StripeWebhookHandler(Platform.from(settings), clock);
  }

  UUID eventOrg() {
    return db.eventOrg();
  }

  /** A delivery of {@code body} as API Gateway hands it over, signed now with the events' secret. */
  APIGatewayV2HTTPEvent delivery(String body) {
    return ApiEvents.stripeDelivery(body, Events.WEBHOOK_SECRET, clock.instant());
  }

  APIGatewayV2HTTPEvent delivery(String body, String signatureHeader) {
    return ApiEvents.stripeDelivery(body, signatureHeader);
  }

  APIGatewayV2HTTPResponse send(APIGatewayV2HTTPEvent event) {
    return handler.handleRequest(event, null);
  }

  JsonObject send(APIGatewayV2HTTPEvent event, int expectedStatus) {
    APIGatewayV2HTTPResponse response = send(event);
    assertEquals(expectedStatus, response.getStatusCode(), response.getBody());
    return Json.parseObject(response.getBody());
  }

  String errorCode(APIGatewayV2HTTPEvent event, int expectedStatus) {
    return send(event, expectedStatus).object("error").string("code");
  }

  void assertWallet(UUID org, long pence) {
    db.assertWallet(org, pence);
  }

  Map<String, Object> eventRow(String eventId) {
    return db.row("SELECT status, attempts, error, ignored_reason, org_id, processed_at "
        + "FROM stripe_webhook_events WHERE event_id = ?", eventId);
  }

  long eventRows() {
    return db.count("SELECT count(*) FROM stripe_webhook_events");
  }
}
