package dev.switchboard.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.switchboard.json.Json;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.stripe.StripeEvents;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A connection storm: a database that admits few connections and several times that many
 * containers at once, each its own handler (own connection), as a burst of traffic starts new
 * Lambda instances. Those that get no connection answer 503 {@code service_unavailable} with
 * {@code Retry-After} (never a 500, never a saga left half-done); the webhook's 503 makes
 * Stripe deliver again, and once the burst has passed every event is credited exactly once.
 *
 * <p>The limit is the database's {@code CONNECTION LIMIT} on the suite's shared server, not a
 * server of its own with a low {@code max_connections}: a connection refused either way is
 * SQLSTATE 53300, which is all the functions see.
 */
class ConnectionStormTest {
  @RegisterExtension final TestWorld world = TestWorld.providers().asApplicationRole();
  /** Connections the database admits (the arrangements' connection takes one of them). */
  private static final int MAX_CONNECTIONS = 7;
  /** Containers per route; four routes. */
  private static final int PER_ROUTE = 12;
  /** After the burst: the warm containers per function that serve Stripe's redeliveries and the retries. */
  private static final int WARM_CONTAINERS = 2;
  private static final long TOP_UP = 2500;

  /** One request and the container (handler) it arrived at. */
  private record Call(RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler,
                      APIGatewayV2HTTPEvent event) {}

  private static List<APIGatewayV2HTTPResponse> together(List<Call> calls) throws Exception {
    List<RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> handlers = new ArrayList<>();
    List<APIGatewayV2HTTPEvent> events = new ArrayList<>();
    for (Call c : calls) {
      handlers.add(c.handler());
      events.add(c.event());
    }
    return ConcurrencyTest.together(handlers, events);
  }

  private static String code(APIGatewayV2HTTPResponse r) {
    return Json.parseObject(r.getBody()).object("error").string("code");
  }

  /** A 503 as the API promises it: the stable code, and when to come back. */
  private static void assertServiceUnavailable(APIGatewayV2HTTPResponse r) {
    assertEquals("service_unavailable", code(r), r.getBody());
    assertEquals("2", r.getHeaders().get("retry-after"), "Retry-After");
  }

  @Test
  void aStormOfContainers_isAnswered503NeverA500_leavesNoSagaHalfDone_andEveryEventIsCreditedOnce()
      throws Exception {
    try (Rig rig = new Rig(world)) {
      // the functions connect as the application role, which the limit applies to (not to superusers)
      rig.world.db.update("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I CONNECTION LIMIT " + MAX_CONNECTIONS
          + "', current_database()); END $$");
      List<UUID> orgs = new ArrayList<>();
      List<String> topUps = new ArrayList<>();
      List<String> eventIds = new ArrayList<>();
      for (int i = 0; i < PER_ROUTE; i++) {
        UUID org = rig.otherOrg("Storm " + i);
        orgs.add(org);
        String eventId = StripeEvents.id("evt");
        eventIds.add(eventId);
        topUps.add(rig.stripeEvents.checkoutSessionCompleted(eventId, StripeEvents.topUp(org, TOP_UP)));
      }
      // each request on a container of its own, built before the burst: no connection yet
      Map<String, List<Integer>> routes = new TreeMap<>();
      List<Call> burst = new ArrayList<>();
      for (int i = 0; i < PER_ROUTE; i++) {
        UUID org = orgs.get(i);
        add(routes, burst, "POST /phone-numbers", new Call(rig.provisioning(SagaHooks.NONE),
            Rig.provisionEvent(org, "outbound", "storm-" + i)));
        add(routes, burst, "POST /webhooks/stripe", new Call(rig.webhook(), Rig.stripeDelivery(topUps.get(i))));
        add(routes, burst, "GET /phone-numbers", new Call(rig.listing(), Rig.event("events/list-numbers.json", org)));
        add(routes, burst, "GET /wallet", new Call(rig.wallet(), Rig.event("events/wallet-get.json", org)));
      }

      long start = System.nanoTime();
      List<APIGatewayV2HTTPResponse> answers = together(burst);
      long burstMillis = (System.nanoTime() - start) / 1_000_000;

      // ---- the burst: answered, or 503 with Retry-After; nothing else
      StringBuilder figures = new StringBuilder();
      int unavailable = 0;
      for (Map.Entry<String, List<Integer>> route : routes.entrySet()) {
        int ok = 0;
        int busy = 0;
        for (int at : route.getValue()) {
          APIGatewayV2HTTPResponse r = answers.get(at);
          if (r.getStatusCode() == 503) {
            assertServiceUnavailable(r);
            busy++;
          } else {
            assertTrue(r.getStatusCode() == 200 || r.getStatusCode() == 201, route.getKey() + ": " + r.getBody());
            ok++;
          }
        }
        unavailable += busy;
        figures.append(String.format("  %-22s %2d requests: %2d answered, %2d x 503%n",
            route.getKey(), route.getValue().size(), ok, busy));
      }
      // a container keeps its connection once it has one, so however the burst interleaves (even
      // one request after another) no more containers than the server has connections get one
      assertTrue(unavailable >= burst.size() - MAX_CONNECTIONS,
          "the burst exceeds the connections, whatever the timing: " + figures);

      // ---- no saga half-done: a provisioning answered 201 is live, one answered 503 left nothing
      List<Integer> provisioning = routes.get("POST /phone-numbers");
      int bought = 0;
      for (int i = 0; i < PER_ROUTE; i++) {
        boolean answered = answers.get(provisioning.get(i)).getStatusCode() == 201;
        bought += answered ? 1 : 0;
        assertEquals(answered ? 1 : 0, rig.world.db.count(
            "SELECT count(*) FROM managed_phone_numbers WHERE org_id = ? AND status = 'active'", orgs.get(i)));
        assertEquals(answered ? 1 : 0, rig.world.db.count(
            "SELECT count(*) FROM managed_phone_numbers WHERE org_id = ?", orgs.get(i)));
      }
      assertEquals(0, rig.world.db.count(
          "SELECT count(*) FROM managed_phone_numbers WHERE status <> 'active' OR cleanup_pending"));
      assertEquals(bought, rig.world.twilio.heldNumbers().size(), "numbers bought at Twilio");
      rig.world.assertInvariant9();
      Invariants.assertWalletsEqualLedgers(rig.world);
      Invariants.assertProvidersHoldExactlyTheActiveNumbers(rig.world);

      // ---- the burst passes: its containers are reaped (their connections end). Stripe then
      // redelivers what it got no 2xx for and the clients retry, at a low rate that Lambda serves
      // with a few warm containers, reused (Retry-After is honoured in spirit: no sleeping here)
      rig.world.db.killOtherConnections();
      long drainStart = System.nanoTime();
      List<Integer> webhook = routes.get("POST /webhooks/stripe");
      List<RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> webhookContainers = new ArrayList<>();
      List<RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> provisioningContainers = new ArrayList<>();
      for (int k = 0; k < WARM_CONTAINERS; k++) {
        webhookContainers.add(rig.webhook());
        provisioningContainers.add(rig.provisioning(SagaHooks.NONE));
      }
      List<Integer> pendingEvents = new ArrayList<>();
      List<Integer> pendingProvisionings = new ArrayList<>();
      for (int i = 0; i < PER_ROUTE; i++) {
        if (answers.get(webhook.get(i)).getStatusCode() != 200) {
          pendingEvents.add(i);
        }
        if (answers.get(provisioning.get(i)).getStatusCode() != 201) {
          pendingProvisionings.add(i);
        }
      }
      int retries = 0;
      int retried503 = 0;
      for (int round = 0; !pendingEvents.isEmpty() || !pendingProvisionings.isEmpty(); round++) {
        assertTrue(round < 50, "still not drained after 50 rounds");
        List<Call> calls = new ArrayList<>();
        List<Integer> events = new ArrayList<>(pendingEvents.subList(0, Math.min(WARM_CONTAINERS, pendingEvents.size())));
        List<Integer> provisionings = new ArrayList<>(
            pendingProvisionings.subList(0, Math.min(WARM_CONTAINERS, pendingProvisionings.size())));
        for (int k = 0; k < events.size(); k++) {
          calls.add(new Call(webhookContainers.get(k), Rig.stripeDelivery(topUps.get(events.get(k)))));
        }
        for (int k = 0; k < provisionings.size(); k++) {
          int i = provisionings.get(k);
          calls.add(new Call(provisioningContainers.get(k), Rig.provisionEvent(orgs.get(i), "outbound", "storm-" + i)));
        }
        List<APIGatewayV2HTTPResponse> retried = together(calls);
        for (int k = 0; k < retried.size(); k++) {
          retries++;
          APIGatewayV2HTTPResponse r = retried.get(k);
          boolean isEvent = k < events.size();
          if (r.getStatusCode() == 503) {
            assertServiceUnavailable(r);
            retried503++;
            continue;
          }
          assertTrue(r.getStatusCode() == 200 || r.getStatusCode() == 201, r.getBody());
          if (isEvent) {
            pendingEvents.remove(events.get(k));
          } else {
            pendingProvisionings.remove(provisionings.get(k - events.size()));
          }
        }
      }
      long drainMillis = (System.nanoTime() - drainStart) / 1_000_000;

      // ---- every event credited exactly once, every org's number bought once, even when
      // Stripe delivers everything once more
      for (int i = 0; i < PER_ROUTE; i++) {
        APIGatewayV2HTTPResponse again = webhookContainers.get(i % WARM_CONTAINERS)
            .handleRequest(Rig.stripeDelivery(topUps.get(i)), null);
        assertEquals(200, again.getStatusCode(), again.getBody());
        assertTrue(Json.parseObject(again.getBody()).has("duplicate"));
      }
      long credits = rig.world.db.count("SELECT count(*) FROM credit_transactions WHERE type = 'topup'");
      for (int i = 0; i < PER_ROUTE; i++) {
        assertEquals(1, rig.world.db.count(
            "SELECT count(*) FROM credit_transactions WHERE stripe_event_id = ?", eventIds.get(i)));
        assertEquals(Rig.OPENING_BALANCE + TOP_UP - Rig.PRICE, rig.world.db.balance(orgs.get(i)));
      }
      assertEquals(PER_ROUTE, credits);
      Invariants.assertSettled(rig.world);

      System.out.printf("Connection storm: connection limit %d (%d for the functions, 1 the test's), %d containers at once%n%s"
              + "  burst answered in %d ms; then %d retries and redeliveries (%d of them 503 again), "
              + "%d at a time, drained in %d ms%n"
              + "  top-ups credited: %d of %d events, each once; numbers bought: %d of %d orgs, each once%n",
          MAX_CONNECTIONS, MAX_CONNECTIONS - 1, burst.size(), figures, burstMillis, retries, retried503,
          2 * WARM_CONTAINERS, drainMillis, credits, PER_ROUTE, rig.world.twilio.heldNumbers().size(), PER_ROUTE);
    }
  }

  private static void add(Map<String, List<Integer>> routes, List<Call> burst, String route, Call call) {
    routes.computeIfAbsent(route, r -> new ArrayList<>()).add(burst.size());
    burst.add(call);
  }
}
