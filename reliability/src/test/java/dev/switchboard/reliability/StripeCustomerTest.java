package dev.switchboard.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.stripe.Stripe;
import dev.switchboard.function.webhook.StripeWebhookHandler;
import dev.switchboard.json.Json;
import dev.switchboard.testing.CommitDroppingProxy;
import dev.switchboard.testing.stripe.StripeEvents;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The org's Stripe customer, end to end through the real wallet and webhook handlers and the
 * fake Stripe: the first top-up asks Checkout to create a customer ({@code customer_creation=
 * always}); paying it makes one, as Checkout does; the webhook stores it on the organisation; the
 * next top-up sends {@code customer=} that customer, so the card saved for off-session use is on
 * the customer the platform knows.
 */
class StripeCustomerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Rig rig;
  private UUID org;

  @BeforeEach
  void setUp() {
    rig = new Rig();
    org = rig.eventOrg();
  }

  @AfterEach
  void tearDown() {
    rig.close();
  }

  private String topUp(String idempotencyKey) {
    APIGatewayV2HTTPEvent event = Rig.event("events/wallet-top-up.json", org);
    event.getHeaders().put("idempotency-key", idempotencyKey);
    APIGatewayV2HTTPResponse r = rig.wallet().handleRequest(event, null);
    assertEquals(201, r.getStatusCode(), r.getBody());
    return Json.parseObject(r.getBody()).string("sessionId");
  }

  /** The customer pays; Stripe delivers checkout.session.completed with the session as it is now. */
  private void payAndDeliver(String sessionId) {
    deliver(rig.webhook(), sessionId);
  }

  private void deliver(StripeWebhookHandler webhook, String sessionId) {
    Map<String, Object> paid = rig.stripe.completeSession(sessionId);
    ObjectNode event = JSON.createObjectNode();
    event.put("id", StripeEvents.id("evt"));
    event.put("object", "event");
    event.put("api_version", Stripe.API_VERSION);
    event.put("created", Rig.NOW.getEpochSecond());
    event.put("livemode", false);
    event.put("pending_webhooks", 1);
    event.put("type", "checkout.session.completed");
    event.putObject("data").set("object", JSON.valueToTree(paid));
    APIGatewayV2HTTPResponse r = webhook.handleRequest(Rig.stripeDelivery(event.toString()), null);
    assertEquals(200, r.getStatusCode(), r.getBody());
  }

  private String storedCustomer() {
    Object customer = rig.world.db.row("SELECT stripe_customer_id FROM organizations WHERE id = ?", org)
        .get("stripe_customer_id");
    return customer == null ? null : customer.toString();
  }

  @Test
  void aPaidTopUp_storesTheCustomerCheckoutCreated_andTheNextTopUpIsForThatCustomer() {
    String first = topUp("first-top-up");
    assertEquals("always", rig.stripe.sessionForm(first).get("customer_creation"));
    assertFalse(rig.stripe.sessionForm(first).containsKey("customer"));

    payAndDeliver(first);

    String customer = storedCustomer();
    assertNotNull(customer, "the webhook stored the customer Checkout created");
    assertEquals(List.of(customer), rig.stripe.customers());
    assertEquals(Rig.OPENING_BALANCE + 5000, rig.world.db.balance(org));

    String second = topUp("second-top-up");
    Map<String, Object> form = rig.stripe.sessionForm(second);
    assertEquals(customer, form.get("customer"));
    assertFalse(form.containsKey("customer_creation"), "a known customer is not created again");

    payAndDeliver(second);
    assertEquals(customer, storedCustomer());
    assertEquals(1, rig.stripe.customers().size(), "still one customer at Stripe");
    assertEquals(Rig.OPENING_BALANCE + 10_000, rig.world.db.balance(org));
  }

  /**
   * A top-up's credit, as the webhook applies it with the customer to remember, takes five round
   * trips to the database: claim the event, lock the payment, post the credit, mark the event
   * processed (storing the customer with it), commit. The webhook's throughput at concurrency is
   * bounded by these (docs/performance.md).
   */
  @Test
  void aPaidTopUp_isAppliedInFiveRoundTrips_customerIncluded() {
    CommitDroppingProxy proxy = rig.databaseProxy(); // the handlers made from now on connect through it
    StripeWebhookHandler webhook = rig.webhook();
    deliver(webhook, topUp("warm-up")); // a warm container: connected, statements prepared
    String counted = topUp("counted");

    long before = proxy.roundTrips();
    deliver(webhook, counted);
    long roundTrips = proxy.roundTrips() - before;

    assertNotNull(storedCustomer(), "the customer was stored with the credit");
    assertEquals(Rig.OPENING_BALANCE + 10_000, rig.world.db.balance(org));
    assertEquals(5, roundTrips, "claim, lock, credit, mark processed with the customer, commit");
  }

  /**
   * A top-up whose answer the client never got, sent again with its Idempotency-Key after another
   * top-up's payment gave the org its Stripe customer: the same session, not a conflict (the first
   * request reached Stripe without the customer). The simulation found it answered 409.
   */
  @Test
  void aTopUpSentAgainAfterTheOrgGotItsCustomer_getsTheSameSession() {
    String paidFirst = topUp("paid-first");
    String answerLost = topUp("answer-lost");
    payAndDeliver(paidFirst);
    assertNotNull(storedCustomer());

    assertEquals(answerLost, topUp("answer-lost"));
    assertEquals(2, rig.stripe.sessions().size(), "no second session for the retry");
  }

  /**
   * The same, when the org's stored customer was replaced between the two requests (two
   * first top-ups paid, each by a customer Checkout created): the first session cannot be found
   * again, so the retry gets a checkout for the current customer, never a false conflict.
   */
  @Test
  void aTopUpSentAgainAfterTheOrgsCustomerWasReplaced_getsACheckout_notAConflict() {
    rig.world.db.update("UPDATE organizations SET stripe_customer_id = ? WHERE id = ?", rig.stripe.plantCustomer(), org);
    String first = topUp("answer-lost");
    String replaced = rig.stripe.plantCustomer();
    rig.world.db.update("UPDATE organizations SET stripe_customer_id = ? WHERE id = ?", replaced, org);

    String retried = topUp("answer-lost");
    assertEquals(replaced, rig.stripe.sessionForm(retried).get("customer"));
    assertEquals(retried, topUp("answer-lost"), "a further retry finds the new session");
    assertNotNull(rig.stripe.sessionForm(first));
  }
}
