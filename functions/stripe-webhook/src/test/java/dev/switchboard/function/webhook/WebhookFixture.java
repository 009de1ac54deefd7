package dev.switchboard.function.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.stripe.Stripe;
import dev.switchboard.config.Settings;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonObject;
import dev.switchboard.testing.EmbeddedDatabase;
import dev.switchboard.testing.TestData;
import dev.switchboard.testing.stripe.StripeEvents;
import dev.switchboard.testing.stripe.StripeSignatures;
import dev.switchboard.wiring.Platform;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** A fresh database, the real handler, and Stripe deliveries signed the way Stripe signs them. */
final class WebhookFixture implements AutoCloseable {
  /** The signing secret the events/stripe-webhook-*.json files were signed with. */
  static final String SECRET = "whsec_test_switchboard_events_not_a_real_secret";
  /** The org the events/ files name. */
  static final UUID EVENT_ORG = UUID.fromString("11111111-1111-4111-8111-111111111111");
  /** The files were signed at this instant; the handler's clock runs 10 s later. */
  static final Instant SIGNED_AT = Instant.ofEpochSecond(1_795_775_400L);
  static final Instant NOW = SIGNED_AT.plusSeconds(10);
  static final String CHECKOUT_FILE = "events/stripe-webhook-checkout-session-completed.json";

  final TestData db = new TestData(EmbeddedDatabase.shared().freshDatabase());
  final StripeEvents stripe = new StripeEvents(Stripe.API_VERSION, NOW);
  final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  StripeWebhookHandler handler = handler(Settings.of(settings()));

  Map<String, String> settings() {
    Map<String, String> s = new HashMap<>();
    s.put("DATABASE_URL", db.jdbcUrl());
    s.put("STRIPE_WEBHOOK_SECRET", SECRET);
    return s;
  }

  StripeWebhookHandler handler(Settings settings) {
    return new StripeWebhookHandler(Platform.from(settings), clock);
  }

  UUID eventOrg() {
    db.update("INSERT INTO organizations (id, name) VALUES (?, 'Event org')", EVENT_ORG);
    return EVENT_ORG;
  }

  static APIGatewayV2HTTPEvent file(String path) {
    return EventLoader.loadApiGatewayHttpEvent(path);
  }

  /** A delivery of {@code body} as API Gateway hands it over, signed now with our secret. */
  APIGatewayV2HTTPEvent delivery(String body) {
    return delivery(body, StripeSignatures.header(body, SECRET, NOW));
  }

  APIGatewayV2HTTPEvent delivery(String body, String signatureHeader) {
    APIGatewayV2HTTPEvent event = file(CHECKOUT_FILE);
    event.setBody(body);
    event.setIsBase64Encoded(false);
    event.getHeaders().remove("Stripe-Signature");
    if (signatureHeader != null) {
      event.getHeaders().put("stripe-signature", signatureHeader);
    }
    return event;
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

  /** Asserts the wallet holds {@code pence} and, as always, equals its ledger's sum. */
  void assertWallet(UUID org, long pence) {
    assertEquals(pence, db.balance(org), "balance");
    assertEquals(pence, db.ledgerSum(org), "ledger sum");
  }

  Map<String, Object> eventRow(String eventId) {
    return db.row("SELECT status, attempts, error, ignored_reason, org_id, processed_at "
        + "FROM stripe_webhook_events WHERE event_id = ?", eventId);
  }

  long eventRows() {
    return db.count("SELECT count(*) FROM stripe_webhook_events");
  }

  @Override
  public void close() {
    db.close();
  }
}
