package dev.switchboard.function.webhook;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.switchboard.testing.ApiEvents;
import dev.switchboard.testing.Events;
import dev.switchboard.testing.TestWorld;
import java.time.Instant;
import java.util.UUID;

/**
 * The former fixture, for tests written against it: a {@link WebhookDriver} on a world of its
 * own, closed with it. New tests register a {@link TestWorld} and drive it with a WebhookDriver.
 */
final class WebhookFixture extends WebhookDriver implements AutoCloseable {
  static final String SECRET = Events.WEBHOOK_SECRET;
  static final UUID EVENT_ORG = Events.ORG;
  static final Instant SIGNED_AT = Events.SIGNED_AT;
  static final Instant NOW = Events.NOW;
  static final String CHECKOUT_FILE = Events.STRIPE_DELIVERY_FILE;

  WebhookFixture() {
    super(TestWorld.database().start());
  }

  static APIGatewayV2HTTPEvent file(String path) {
    return ApiEvents.load(path);
  }

  @Override
  public void close() {
    world.close();
  }
}
