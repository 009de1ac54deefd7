package dev.switchboard.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonObject;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.stripe.StripeEvents;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Org B, authenticated as itself, names org A's ids on every route: A's numbers, A's
 * Idempotency-Keys, A's ledger cursor. B gets 404 (never 403: A's resource must not be seen to
 * exist) or its own data, and A's state does not move. An org with no row is 404 everywhere.
 */
class TenantIsolationTest {
  @RegisterExtension final TestWorld world = TestWorld.providers().asApplicationRole();
  private Rig rig;
  private UUID orgA;
  private UUID orgB;
  private String inboundA;
  private String outboundA;
  private static final String A_KEY = "key-used-by-org-a";

  @BeforeEach
  void setUp() {
    rig = new Rig(world);
    orgA = rig.eventOrg();
    orgB = rig.otherOrg("Other Org");
    APIGatewayV2HTTPResponse first = rig.provisioning(SagaHooks.NONE)
        .handleRequest(Rig.provisionEvent(orgA, "inbound", A_KEY), null);
    assertEquals(201, first.getStatusCode(), first.getBody());
    inboundA = Json.parseObject(first.getBody()).string("id");
    outboundA = rig.provisioned(orgA, "outbound");
    for (int i = 0; i < 5; i++) {
      rig.world.db.credit(orgA, 100 + i, "adjustment", "A's credit " + i);
    }
    rig.world.db.credit(orgB, 7, "adjustment", "B's credit");
  }

  @AfterEach
  void tearDown() {
    rig.close();
  }

  /** A's rows exactly as they were, and nothing of A's asked of the providers. */
  private Map<String, Object> stateOfA() {
    Map<String, Object> s = new HashMap<>();
    s.put("numbers", rig.world.db.rows("SELECT * FROM managed_phone_numbers WHERE org_id = ? ORDER BY id", orgA));
    s.put("credentials", rig.world.db.rows("SELECT * FROM org_credentials WHERE org_id = ? ORDER BY id", orgA));
    s.put("ledger", rig.world.db.rows("SELECT * FROM credit_transactions WHERE org_id = ? ORDER BY seq", orgA));
    s.put("org", rig.world.db.rows("SELECT * FROM organizations WHERE id = ?", orgA));
    s.put("agents", rig.world.db.rows("SELECT * FROM agents WHERE org_id = ? ORDER BY id", orgA));
    s.put("keys", rig.world.db.rows("SELECT * FROM idempotency_keys WHERE org_id = ? ORDER BY key", orgA));
    String accountOfA = (String) rig.world.db.row("SELECT account_sid FROM twilio_subaccounts WHERE org_id = ?", orgA)
        .get("account_sid");
    s.put("heldAtTwilio", rig.world.twilio.numbersHeldBy(accountOfA));
    s.put("importedAtVapi", rig.world.vapi.numbers().stream().filter(n -> accountOfA.equals(n.twilioAccountSid())).toList());
    return s;
  }

  private static JsonObject error(APIGatewayV2HTTPResponse r, int status, String code) {
    assertEquals(status, r.getStatusCode(), r.getBody());
    JsonObject error = Json.parseObject(r.getBody()).object("error");
    assertEquals(code, error.string("code"), r.getBody());
    return error;
  }

  @Test
  void release_ofAnotherOrgsNumber_is404_andNothingMoves() {
    Map<String, Object> before = stateOfA();
    for (String id : List.of(inboundA, outboundA)) {
      APIGatewayV2HTTPResponse r = rig.releasing(SagaHooks.NONE).handleRequest(Rig.releaseEvent(orgB, id), null);
      JsonObject error = error(r, 404, "not_found");
      assertFalse(r.getBody().contains(id), "the answer must not echo the other org's id");
      assertFalse(error.asMap().toString().contains("releasing"));
    }
    assertEquals(before, stateOfA());
    assertEquals(0, rig.world.vapi.count(dev.switchboard.testing.fake.FakeVapi.DELETE));
    assertEquals(0, rig.world.twilio.count(dev.switchboard.testing.fake.FakeTwilio.RELEASE));
  }

  @Test
  void list_showsOnlyTheCallersNumbers() {
    String inboundB = rig.provisioned(orgB, "inbound");
    Map<String, Object> before = stateOfA();

    APIGatewayV2HTTPResponse r = rig.listing().handleRequest(Rig.event("events/list-numbers.json", orgB), null);

    assertEquals(200, r.getStatusCode(), r.getBody());
    List<Object> numbers = Json.parseObject(r.getBody()).list("numbers");
    assertEquals(List.of(inboundB), numbers.stream().map(n -> ((Map<?, ?>) n).get("managedNumberId")).toList());
    assertFalse(r.getBody().contains(inboundA));
    assertFalse(r.getBody().contains(outboundA));
    assertEquals(before, stateOfA());
  }

  @Test
  void provision_withAnotherOrgsIdempotencyKey_isTheCallersOwnRequest_neverTheOtherOrgsReplay() {
    Map<String, Object> before = stateOfA();

    APIGatewayV2HTTPResponse r = rig.provisioning(SagaHooks.NONE)
        .handleRequest(Rig.provisionEvent(orgB, "inbound", A_KEY), null);

    assertEquals(201, r.getStatusCode(), r.getBody());
    String id = Json.parseObject(r.getBody()).string("id");
    assertNotEquals(inboundA, id);
    assertEquals(orgB.toString(),
        rig.world.db.row("SELECT org_id::text FROM managed_phone_numbers WHERE id = ?::uuid", id).get("org_id"));
    assertEquals(before, stateOfA());
    Invariants.assertSettled(rig.world);
  }

  @Test
  void wallet_showsOnlyTheCallersLedger_evenWithAnotherOrgsCursor() {
    APIGatewayV2HTTPEvent pageOfA = Rig.event("events/wallet-get.json", orgA);
    pageOfA.setQueryStringParameters(new HashMap<>(Map.of("limit", "2")));
    JsonObject a = Json.parseObject(rig.wallet().handleRequest(pageOfA, null).getBody());
    String cursorOfA = a.string("nextCursor");
    List<String> idsOfA = rig.world.db.rows("SELECT id::text FROM credit_transactions WHERE org_id = ?", orgA).stream()
        .map(row -> (String) row.get("id")).toList();
    Map<String, Object> before = stateOfA();

    for (Map<String, String> query : List.of(Map.of("limit", "100"), Map.of("limit", "100", "cursor", cursorOfA))) {
      APIGatewayV2HTTPEvent e = Rig.event("events/wallet-get.json", orgB);
      e.setQueryStringParameters(new HashMap<>(query));
      APIGatewayV2HTTPResponse r = rig.wallet().handleRequest(e, null);
      if (r.getStatusCode() == 200) {
        JsonObject b = Json.parseObject(r.getBody());
        assertEquals(rig.world.db.balance(orgB), b.longValue("balancePence"));
        idsOfA.forEach(id -> assertFalse(r.getBody().contains(id), "B sees A's transaction " + id));
      } else {
        error(r, 400, "invalid_request");
      }
    }
    assertEquals(before, stateOfA());
  }

  @Test
  void topUp_withAnotherOrgsIdempotencyKey_opensTheCallersOwnCheckout() {
    APIGatewayV2HTTPEvent forA = Rig.event("events/wallet-top-up.json", orgA);
    forA.getHeaders().put("idempotency-key", A_KEY);
    APIGatewayV2HTTPResponse a = rig.wallet().handleRequest(forA, null);
    assertEquals(201, a.getStatusCode(), a.getBody());
    Map<String, Object> before = stateOfA();

    APIGatewayV2HTTPEvent forB = Rig.event("events/wallet-top-up.json", orgB);
    forB.getHeaders().put("idempotency-key", A_KEY);
    APIGatewayV2HTTPResponse b = rig.wallet().handleRequest(forB, null);

    assertEquals(201, b.getStatusCode(), b.getBody());
    String sessionA = Json.parseObject(a.getBody()).string("sessionId");
    String sessionB = Json.parseObject(b.getBody()).string("sessionId");
    assertNotEquals(sessionA, sessionB, "B must not receive A's checkout session");
    assertEquals(orgB.toString(), metadata(sessionB).get("org_id"));
    assertEquals(orgA.toString(), metadata(sessionA).get("org_id"));
    assertEquals(before, stateOfA());
  }

  @Test
  void aTopUpEventForOneOrg_neverCreditsAnother() {
    // Stripe's event names A in its metadata and B as the client reference: nobody is credited
    String eventId = StripeEvents.id("evt");
    StripeEvents.TopUp mixed = new StripeEvents.TopUp(orgA.toString(), orgB.toString(), 2500, 2500, "gbp",
        "paid", "succeeded", "wallet_topup", StripeEvents.id("cs_test"), StripeEvents.id("pi"),
        StripeEvents.id("ch"), StripeEvents.id("cus"), StripeEvents.id("pm"), null);
    long balanceB = rig.world.db.balance(orgB);
    Map<String, Object> before = stateOfA();

    APIGatewayV2HTTPResponse r = rig.webhook().handleRequest(
        Rig.stripeDelivery(rig.stripeEvents.checkoutSessionCompleted(eventId, mixed)), null);

    assertEquals(200, r.getStatusCode(), r.getBody());
    assertEquals("ignored", rig.world.db.row("SELECT status FROM stripe_webhook_events WHERE event_id = ?", eventId)
        .get("status"));
    assertEquals(before, stateOfA());
    assertEquals(balanceB, rig.world.db.balance(orgB));
  }

  @Test
  void everyRoute_forAnOrgWithNoRow_is404OrgNotFound_andNothingMoves() {
    UUID ghost = UUID.randomUUID();
    Map<String, Object> before = Invariants.snapshot(rig.world);
    Map<String, Function<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> routes = Map.of(
        "events/provision-number.json", e -> rig.provisioning(SagaHooks.NONE).handleRequest(e, null),
        "events/search-available-numbers.json", e -> rig.provisioning(SagaHooks.NONE).handleRequest(e, null),
        "events/list-numbers.json", e -> rig.listing().handleRequest(e, null),
        "events/release-number.json", e -> rig.releasing(SagaHooks.NONE).handleRequest(e, null),
        "events/wallet-top-up.json", e -> rig.wallet().handleRequest(e, null),
        "events/wallet-get.json", e -> rig.wallet().handleRequest(e, null));
    routes.forEach((file, handler) -> {
      APIGatewayV2HTTPEvent e = Rig.event(file, ghost);
      if (file.contains("release")) {
        e = Rig.releaseEvent(ghost, inboundA);
      }
      error(handler.apply(e), 404, "org_not_found");
    });
    assertEquals(before, Invariants.snapshot(rig.world));
    assertEquals(0, rig.stripe.count(dev.switchboard.testing.fake.FakeStripe.CREATE_SESSION));
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> metadata(String sessionId) {
    return (Map<String, Object>) rig.stripe.sessionForm(sessionId).get("metadata");
  }
}
