package dev.switchboard.testing;

import java.time.Instant;
import java.util.UUID;

/** What the captured events/ files carry: read these instead of copying them. */
public final class Events {
  /** The org id in the API events' JWT claims ({@code org_id}). */
  public static final UUID ORG = UUID.fromString("11111111-1111-4111-8111-111111111111");
  /** The secret the events/stripe-webhook-*.json deliveries were signed with (obviously fake). */
  public static final String WEBHOOK_SECRET = "whsec_test_switchboard_events_not_a_real_secret";
  /** When those deliveries were signed. */
  public static final Instant SIGNED_AT = Instant.ofEpochSecond(1_795_775_400L);
  /** A test's "now": 10 s after the signature, well inside Stripe's 300 s tolerance. */
  public static final Instant NOW = SIGNED_AT.plusSeconds(10);
  /** The Checkout delivery, which other deliveries take their headers from. */
  public static final String STRIPE_DELIVERY_FILE = "events/stripe-webhook-checkout-session-completed.json";

  private Events() {
  }
}
