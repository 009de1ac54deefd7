package dev.switchboard.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.switchboard.json.Json;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.fake.FakeTwilio;
import dev.switchboard.testing.fake.FakeVapi;
import dev.switchboard.testing.stripe.StripeEvents;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Requests that arrive together, as Lambda runs them: one handler instance per container, many
 * containers at once (here: one thread per container, each with its own handler), released
 * by one latch. A bounded number of threads, and one fixed end state each.
 */
class ConcurrencyTest {
  private static final int THREADS = 8;

  @RegisterExtension final TestWorld world = world();
  Rig rig;
  private UUID org;

  /** Direct to PostgreSQL; {@link ConcurrencyThroughPgBouncerTest} runs the same through a pooler. */
  TestWorld world() {
    return TestWorld.providers().asApplicationRole();
  }

  @BeforeEach
  void setUp() {
    rig = new Rig(world);
    org = rig.eventOrg();
  }

  /** Runs each request on its own thread (own handler: own container), all released at once. */
  static List<APIGatewayV2HTTPResponse> together(List<RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> handlers,
                                                         List<APIGatewayV2HTTPEvent> events) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(events.size());
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<APIGatewayV2HTTPResponse>> futures = new ArrayList<>();
      for (int i = 0; i < events.size(); i++) {
        RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler = handlers.get(i);
        APIGatewayV2HTTPEvent event = events.get(i);
        futures.add(pool.submit(() -> {
          go.await();
          return handler.handleRequest(event, null);
        }));
      }
      go.countDown();
      List<APIGatewayV2HTTPResponse> answers = new ArrayList<>();
      for (Future<APIGatewayV2HTTPResponse> f : futures) {
        answers.add(f.get(60, TimeUnit.SECONDS));
      }
      return answers;
    } finally {
      pool.shutdownNow();
    }
  }

  private static String code(APIGatewayV2HTTPResponse r) {
    return Json.parseObject(r.getBody()).object("error").string("code");
  }

  // ------------------------------------------------------------------ webhook

  @Test
  void oneTopUp_deliveredByEightContainersAtOnceAndThenAgain_isCreditedOnce() throws Exception {
    String eventId = StripeEvents.id("evt");
    String body = rig.stripeEvents.checkoutSessionCompleted(eventId, StripeEvents.topUp(org, 2500));
    List<RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> handlers = new ArrayList<>();
    List<APIGatewayV2HTTPEvent> events = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      handlers.add(rig.webhook());
      events.add(Rig.stripeDelivery(body));
    }

    List<APIGatewayV2HTTPResponse> answers = together(handlers, events);
    APIGatewayV2HTTPResponse late = rig.webhook().handleRequest(Rig.stripeDelivery(body), null);

    int firstDeliveries = 0;
    for (APIGatewayV2HTTPResponse r : answers) {
      assertEquals(200, r.getStatusCode(), r.getBody());
      firstDeliveries += Json.parseObject(r.getBody()).has("duplicate") ? 0 : 1;
    }
    assertEquals(1, firstDeliveries, "exactly one delivery applied it");
    assertEquals(200, late.getStatusCode());
    assertTrue(Json.parseObject(late.getBody()).has("duplicate"));
    assertEquals(Rig.OPENING_BALANCE + 2500, rig.world.db.balance(org));
    assertEquals(1, rig.world.db.count("SELECT count(*) FROM credit_transactions WHERE stripe_event_id = ?", eventId));
    assertEquals(1, rig.world.db.count("SELECT attempts FROM stripe_webhook_events WHERE event_id = ?", eventId));
    Invariants.assertSettled(rig.world);
  }

  /** Eight different top-ups of one org, delivered at once: half as the Checkout event, half as the PaymentIntent. */
  private List<APIGatewayV2HTTPResponse> eightTopUpsAtOnce(List<String> bodies) throws Exception {
    List<RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> handlers = new ArrayList<>();
    List<APIGatewayV2HTTPEvent> events = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      StripeEvents.TopUp topUp = StripeEvents.topUp(org, 2500 + i);
      String body = i % 2 == 0
          ? rig.stripeEvents.checkoutSessionCompleted(StripeEvents.id("evt"), topUp)
          : rig.stripeEvents.paymentIntentSucceeded(StripeEvents.id("evt"), topUp);
      bodies.add(body);
      handlers.add(rig.webhook());
      events.add(Rig.stripeDelivery(body));
    }
    return together(handlers, events);
  }

  @Test
  void eightDifferentTopUpsOfOneOrg_atOnce_areEachCreditedOnce_afterStripesRetries() throws Exception {
    long expected = Rig.OPENING_BALANCE;
    for (int round = 0; round < 3; round++) {
      List<String> bodies = new ArrayList<>();
      List<APIGatewayV2HTTPResponse> answers = eightTopUpsAtOnce(bodies);
      for (int i = 0; i < THREADS; i++) {
        APIGatewayV2HTTPResponse r = answers.get(i);
        // Stripe redelivers what was not acknowledged
        for (int retry = 0; retry < 3 && r.getStatusCode() == 500; retry++) {
          assertEquals("event_not_applied", code(r));
          r = rig.webhook().handleRequest(Rig.stripeDelivery(bodies.get(i)), null);
        }
        assertEquals(200, r.getStatusCode(), r.getBody());
        expected += 2500 + i;
      }
      assertEquals(expected, rig.world.db.balance(org));
      Invariants.assertSettled(rig.world);
    }
    assertEquals(3 * THREADS, rig.world.db.count("SELECT count(*) FROM stripe_webhook_events WHERE status = 'processed'"));
  }

  @Test
  // was a bug (seq drawn before the org lock): fixed by migration V14
  void eightDifferentTopUpsOfOneOrg_atOnce_areAllAnswered200AtTheFirstDelivery() throws Exception {
    for (int round = 0; round < 5; round++) {
      for (APIGatewayV2HTTPResponse r : eightTopUpsAtOnce(new ArrayList<>())) {
        assertEquals(200, r.getStatusCode(), "round " + round + ": " + r.getBody());
      }
    }
    Invariants.assertSettled(rig.world);
  }

  /**
   * A top-up, its safety net, a partial refund, and a dispute of the rest that is then won,
   * each delivered twice, all at once: in whatever order they are applied, the wallet ends with
   * the credit less the refund, and each took effect once.
   */
  @Test
  void aTopUpItsRefundAndItsWonDispute_deliveredTogetherTwice_settleToTheSameWallet() throws Exception {
    long expected = Rig.OPENING_BALANCE;
    for (int round = 0; round < 3; round++) {
      StripeEvents.TopUp topUp = StripeEvents.topUp(org, 4000);
      String dispute = StripeEvents.id("dp");
      List<String> bodies = List.of(
          rig.stripeEvents.checkoutSessionCompleted(StripeEvents.id("evt"), topUp),
          rig.stripeEvents.paymentIntentSucceeded(StripeEvents.id("evt"), topUp),
          rig.stripeEvents.chargeRefunded(StripeEvents.id("evt"), topUp, 1000),
          rig.stripeEvents.disputeFundsWithdrawn(StripeEvents.id("evt"), topUp, dispute, 3000),
          rig.stripeEvents.disputeFundsReinstated(StripeEvents.id("evt"), topUp, dispute, 3000));
      List<RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> handlers = new ArrayList<>();
      List<APIGatewayV2HTTPEvent> events = new ArrayList<>();
      List<String> sent = new ArrayList<>();
      for (int copy = 0; copy < 2; copy++) {
        for (String body : bodies) {
          handlers.add(rig.webhook());
          events.add(Rig.stripeDelivery(body));
          sent.add(body);
        }
      }
      List<APIGatewayV2HTTPResponse> answers = together(handlers, events);
      for (int i = 0; i < answers.size(); i++) {
        APIGatewayV2HTTPResponse r = answers.get(i);
        for (int retry = 0; retry < 3 && r.getStatusCode() == 500; retry++) {
          r = rig.webhook().handleRequest(Rig.stripeDelivery(sent.get(i)), null);
        }
        assertEquals(200, r.getStatusCode(), r.getBody());
      }
      expected += 4000 - 1000;
      assertEquals(expected, rig.world.db.balance(org), "round " + round);
      Invariants.assertSettled(rig.world);
    }
  }

  // ------------------------------------------------------------------ provisioning

  @Test
  void eightProvisioningsOfOneDirection_atOnce_halfWithOneKey_buyOneNumber_andChargeOnce() throws Exception {
    List<RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> handlers = new ArrayList<>();
    List<APIGatewayV2HTTPEvent> events = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      handlers.add(rig.provisioning(SagaHooks.NONE));
      events.add(Rig.provisionEvent(org, "inbound", i < THREADS / 2 ? "shared-key" : "own-key-" + i));
    }

    List<APIGatewayV2HTTPResponse> answers = together(handlers, events);

    Set<String> createdIds = new HashSet<>();
    for (APIGatewayV2HTTPResponse r : answers) {
      if (r.getStatusCode() == 201) {
        createdIds.add(Json.parseObject(r.getBody()).string("id"));
      } else {
        assertEquals(409, r.getStatusCode(), r.getBody());
        assertTrue(Set.of("number_exists", "request_in_progress").contains(code(r)), r.getBody());
      }
    }
    assertEquals(1, createdIds.size(), "every 201 (a replay included) names the one number");
    assertEquals(1, rig.world.twilio.successCount(FakeTwilio.BUY));
    assertEquals(1, rig.world.vapi.successCount(FakeVapi.CREATE));
    assertEquals(Rig.OPENING_BALANCE - Rig.PRICE, rig.world.db.balance(org));
    Invariants.assertSettled(rig.world);
  }

  // ------------------------------------------------------------------ release

  @Test
  void oneNumberReleasedByEightRequestsAtOnce_isReleasedOnce_andAnsweredConsistently() throws Exception {
    String inbound = rig.provisioned(org, "inbound");
    String outbound = rig.provisioned(org, "outbound");
    List<RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> handlers = new ArrayList<>();
    List<APIGatewayV2HTTPEvent> events = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      handlers.add(rig.releasing(SagaHooks.NONE));
      events.add(Rig.releaseEvent(org, inbound));
    }

    List<APIGatewayV2HTTPResponse> answers = together(handlers, events);

    int released = 0;
    for (APIGatewayV2HTTPResponse r : answers) {
      switch (r.getStatusCode()) {
        case 200 -> released++;
        case 202 -> assertEquals("releasing", Json.parseObject(r.getBody()).string("status"));
        case 404 -> assertEquals("not_found", code(r));
        default -> throw new AssertionError("unexpected " + r.getStatusCode() + ": " + r.getBody());
      }
    }
    assertEquals(1, released, "exactly one request did the release");
    assertEquals(1, rig.world.vapi.successCount(FakeVapi.DELETE));
    assertEquals(1, rig.world.twilio.successCount(FakeTwilio.RELEASE));
    assertEquals("released", status(inbound));
    assertEquals("active", status(outbound));
    Invariants.assertSettled(rig.world);
  }

  /**
   * The org's inbound and outbound numbers released at once. Releasing the outbound number points
   * the outbound agent's caller id at the org's active inbound number; if that number's release
   * commits meanwhile, the agent would point at a released number, which the database refuses at
   * the commit: the request was answered 500. Found by the simulation; here the outbound release
   * is held (a trigger sleeps) right after it chose the inbound number, so the inbound release
   * commits in that window every time.
   */
  @Test
  void theOrgsTwoNumbersReleasedAtOnce_areBothReleased() throws Exception {
    // outbound first: the outbound agent's caller id is its own number, not the inbound fallback
    String outbound = rig.provisioned(org, "outbound");
    String inbound = rig.provisioned(org, "inbound");
    rig.world.db.update("""
        CREATE FUNCTION reliability_pause() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_sleep(1); RETURN NULL; END; $$""");
    rig.world.db.update("""
        CREATE TRIGGER reliability_pause AFTER UPDATE ON agents FOR EACH ROW
          WHEN (NEW.role = 'outbound' AND OLD.linked_phone_number_id IS NULL AND NEW.linked_phone_number_id IS NOT NULL)
          EXECUTE FUNCTION reliability_pause()""");

    List<APIGatewayV2HTTPResponse> answers = together(
        List.of(rig.releasing(SagaHooks.NONE), rig.releasing(SagaHooks.NONE)),
        List.of(Rig.releaseEvent(org, outbound), Rig.releaseEvent(org, inbound)));

    for (APIGatewayV2HTTPResponse r : answers) {
      assertEquals(200, r.getStatusCode(), r.getBody());
    }
    assertEquals("released", status(inbound));
    assertEquals("released", status(outbound));
    Invariants.assertSettled(rig.world);
  }

  // ------------------------------------------------------------------ provisioning racing release

  @Test
  void provisioningRacingTheReleaseOfTheSameDirection_endsWithExactlyTheNumbersThatWereAnswered201() throws Exception {
    for (int round = 0; round < 3; round++) {
      String inbound = rig.provisioned(org, "inbound");
      rig.world.db.credit(org, Rig.PRICE, "adjustment", "top up for the next round");
      List<RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> handlers = List.of(
          rig.releasing(SagaHooks.NONE), rig.provisioning(SagaHooks.NONE), rig.provisioning(SagaHooks.NONE));
      List<APIGatewayV2HTTPEvent> events = List.of(
          Rig.releaseEvent(org, inbound),
          Rig.provisionEvent(org, "inbound", "race-in-" + round),
          Rig.provisionEvent(org, "outbound", "race-out-" + round));

      List<APIGatewayV2HTTPResponse> answers = together(handlers, events);

      assertEquals(200, answers.get(0).getStatusCode(), answers.get(0).getBody());
      assertEquals("released", status(inbound));
      // a number in another direction never waits for or blocks a release
      APIGatewayV2HTTPResponse outbound = answers.get(2);
      assertEquals(round == 0 ? 201 : 409, outbound.getStatusCode(), outbound.getBody());
      // the same direction: refused while the old number is still live or releasing, else bought
      APIGatewayV2HTTPResponse sameDirection = answers.get(1);
      if (sameDirection.getStatusCode() == 201) {
        String id = Json.parseObject(sameDirection.getBody()).string("id");
        assertEquals("active", status(id));
        rig.releasing(SagaHooks.NONE).handleRequest(Rig.releaseEvent(org, id), null);
      } else {
        assertEquals(409, sameDirection.getStatusCode(), sameDirection.getBody());
        assertEquals("number_exists", code(sameDirection));
      }
      assertEquals(0, rig.world.db.count(
          "SELECT count(*) FROM managed_phone_numbers WHERE routing_direction = 'inbound' AND status <> 'released' AND status <> 'failed'"));
      Invariants.assertSettled(rig.world);
    }
    assertEquals(1, rig.world.db.count("SELECT count(*) FROM managed_phone_numbers WHERE status = 'active'"),
        "the outbound number bought in the first round");
  }

  private String status(String id) {
    return (String) rig.world.db.row("SELECT status FROM managed_phone_numbers WHERE id = ?::uuid", id).get("status");
  }
}
