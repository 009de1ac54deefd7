package dev.switchboard.function.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.config.MissingConfigException;
import dev.switchboard.config.Settings;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonObject;
import dev.switchboard.testing.Events;
import dev.switchboard.testing.TestData;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.fake.FakeStripe;
import dev.switchboard.testing.fake.Fault;
import dev.switchboard.wiring.Platform;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class WalletHandlerTest {
  /** The org the events/ files carry in their JWT claims. */
  static final UUID EVENT_ORG = Events.ORG;
  static final String SUCCESS = TestWorld.TOP_UP_SUCCESS_URL;
  static final String CANCEL = TestWorld.TOP_UP_CANCEL_URL;

  @RegisterExtension final TestWorld world = TestWorld.providers();
  private TestData db;
  private FakeStripe stripe;
  private WalletHandler handler;

  @BeforeEach
  void setUp() {
    db = world.db();
    stripe = world.stripe();
    handler = handler(Map.of());
  }

  private WalletHandler handler(Map<String, String> overrides) {
    Map<String, String> env = world.settings(Map.of("PROVIDER_READ_TIMEOUT_MS", "1500"));
    env.putAll(overrides);
    return new WalletHandler(Platform.from(Settings.of(env)));
  }

  private void eventOrg() {
    db.eventOrg();
  }

  private static APIGatewayV2HTTPEvent topUpEvent(String body) {
    APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent("events/wallet-top-up.json");
    if (body != null) {
      event.setBody(body);
    }
    return event;
  }

  /** A top-up without an Idempotency-Key: each one a new checkout at Stripe. */
  private static APIGatewayV2HTTPEvent keyless(String body) {
    APIGatewayV2HTTPEvent event = topUpEvent(body);
    event.getHeaders().remove("idempotency-key");
    return event;
  }

  private static APIGatewayV2HTTPEvent walletEvent(Map<String, String> query) {
    APIGatewayV2HTTPEvent event = EventLoader.loadApiGatewayHttpEvent("events/wallet-get.json");
    event.setQueryStringParameters(new HashMap<>(query));
    return event;
  }

  private JsonObject call(APIGatewayV2HTTPEvent event, int expectedStatus) {
    var response = handler.handleRequest(event, null);
    assertEquals(expectedStatus, response.getStatusCode(), response.getBody());
    return Json.parseObject(response.getBody());
  }

  private String error(APIGatewayV2HTTPEvent event, int expectedStatus) {
    return call(event, expectedStatus).object("error").string("code");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  /**
   * Every top-up is a call on the Stripe account all tenants share: over the org's limit, 429
   * with Retry-After before Stripe is called. A request refused for its body does not count, and
   * another org tops up on.
   */
  @Test
  void topUp_overTheOrgsLimit_is429WithRetryAfter_beforeStripe_andAnotherOrgTopsUpOn() {
    eventOrg();
    UUID other = db.organization("Other org");
    handler = handler(Map.of("TOP_UP_LIMIT_PER_MINUTE", "2"));
    error(keyless("{\"amountPence\":1}"), 400);
    call(keyless(null), 201);
    call(keyless(null), 201);

    var refused = handler.handleRequest(keyless(null), null);
    assertEquals(429, refused.getStatusCode(), refused.getBody());
    assertEquals("rate_limited", Json.parseObject(refused.getBody()).object("error").string("code"));
    long retryAfter = Long.parseLong(refused.getHeaders().get("retry-after"));
    assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
    assertEquals(2, stripe.sessions().size(), "refused before Stripe");

    APIGatewayV2HTTPEvent otherTopUp = keyless(null);
    otherTopUp.getRequestContext().getAuthorizer().getJwt().getClaims().put("org_id", other.toString());
    call(otherTopUp, 201);
  }

  /** Stacks sharing one Stripe account tell their payments apart by this (the webhook checks it). */
  @Test
  void topUp_namesItsStack_onTheSessionAndOnItsPaymentIntent() {
    eventOrg();
    String stack = "arn:aws:cloudformation:eu-west-2:123456789012:stack/switchboard-staging/8d1c";
    handler = handler(Map.of("STACK_ID", stack));
    Map<String, Object> form = stripe.sessionForm(call(topUpEvent(null), 201).string("sessionId"));
    assertEquals(stack, map(form.get("metadata")).get("stack_id"));
    assertEquals(stack, map(map(form.get("payment_intent_data")).get("metadata")).get("stack_id"));
  }

  @Test
  void topUp_createsACheckoutSessionAtStripe_withEverythingTheWebhookChecks() {
    eventOrg();
    JsonObject answer = call(topUpEvent(null), 201);

    String sessionId = answer.string("sessionId");
    assertTrue(answer.string("checkoutUrl").startsWith("https://checkout.stripe.com/"));
    Map<String, Object> form = stripe.sessionForm(sessionId);
    assertEquals("payment", form.get("mode"));
    assertEquals(EVENT_ORG.toString(), form.get("client_reference_id"));
    Map<String, Object> metadata = Map.of("type", "wallet_topup", "org_id", EVENT_ORG.toString(), "amount_pence", "5000");
    assertEquals(metadata, form.get("metadata"));
    Map<String, Object> intent = map(form.get("payment_intent_data"));
    assertEquals(metadata, intent.get("metadata"));
    assertEquals("off_session", intent.get("setup_future_usage"));
    Map<String, Object> price = map(map(((List<?>) form.get("line_items")).get(0)).get("price_data"));
    assertEquals("gbp", price.get("currency"));
    assertEquals("5000", price.get("unit_amount"));
    assertEquals(SUCCESS, form.get("success_url"));
    assertEquals(CANCEL, form.get("cancel_url"));
    assertEquals("always", form.get("customer_creation"));
    assertEquals(5000L, stripe.sessions().get(0).get("amount_total"));
    assertEquals(0, db.count("SELECT count(*) FROM credit_transactions"), "paying is what credits, not asking");
  }

  @Test
  void topUp_passesAnIdempotencyKeyScopedToTheOrg_soARetryGetsTheSameSession() {
    eventOrg();
    String first = call(topUpEvent(null), 201).string("sessionId");
    String again = call(topUpEvent(null), 201).string("sessionId");

    assertEquals(first, again);
    assertEquals(1, stripe.sessions().size());
    String key = stripe.journal().get(0).request().header("Idempotency-Key");
    assertEquals("wallet-topup:" + EVENT_ORG + ":topup-7f3c2a", key);
  }

  @Test
  void topUp_sameIdempotencyKeyForAnotherAmount_is409() {
    eventOrg();
    call(topUpEvent(null), 201);
    assertEquals("idempotency_conflict", error(topUpEvent("{\"amountPence\":6000}"), 409));
  }

  @Test
  void topUp_reusesTheOrgsStripeCustomer() {
    eventOrg();
    String customer = stripe.plantCustomer();
    db.update("UPDATE organizations SET stripe_customer_id = ? WHERE id = ?", customer, EVENT_ORG);
    String sessionId = call(topUpEvent(null), 201).string("sessionId");
    Map<String, Object> form = stripe.sessionForm(sessionId);
    assertEquals(customer, form.get("customer"));
    assertNull(form.get("customer_creation"));
  }

  /**
   * A stored customer Stripe no longer knows (deleted there, or the key moved from test to live
   * mode) answered every later top-up 502 for good: the top-up goes on with a new customer,
   * which the webhook stores when it is paid.
   */
  @Test
  void topUp_whenStripeNoLongerKnowsTheStoredCustomer_goesOnWithANewOne() {
    eventOrg();
    db.update("UPDATE organizations SET stripe_customer_id = 'cus_1DeletedAtStripe0000000000' WHERE id = ?", EVENT_ORG);
    String sessionId = call(topUpEvent(null), 201).string("sessionId");
    Map<String, Object> form = stripe.sessionForm(sessionId);
    assertNull(form.get("customer"));
    assertEquals("always", form.get("customer_creation"));
    // the client's retry with the same key gets the same session, not a second one
    assertEquals(sessionId, call(topUpEvent(null), 201).string("sessionId"));
    assertEquals(1, stripe.sessions().size());
  }

  /**
   * Stripe keeps a 500 under the request's Idempotency-Key and answers it again for a day, so a
   * retry with the same key cannot succeed: the answer says to send a new key, and one works.
   */
  @Test
  void topUp_whenStripeKeepsItsErrorForTheKey_theAnswerSaysToSendANewKey() {
    eventOrg();
    stripe.failNext(FakeStripe.CREATE_SESSION, Fault.status(500));
    JsonObject first = call(topUpEvent(null), 502).object("error");
    assertTrue(first.string("message").contains("new Idempotency-Key"), first.toString());
    assertEquals("provider_error", call(topUpEvent(null), 502).object("error").string("code"), "Stripe replays it");

    APIGatewayV2HTTPEvent newKey = topUpEvent(null);
    newKey.getHeaders().put("idempotency-key", "top-up-second-try");
    call(newKey, 201);
  }

  @Test
  void topUp_takesReturnPagesFromTheRequest_andRefusesAnythingButHttpsOrLocalhost() {
    eventOrg();
    handler = handler(Map.of("TOP_UP_SUCCESS_URL", "", "TOP_UP_CANCEL_URL", "",
        "TOP_UP_RETURN_ORIGINS", "http://localhost:5173, https://app.example.com"));
    String body = "{\"amountPence\":3000,\"successUrl\":\"http://localhost:5173/ok\",\"cancelUrl\":\"https://app.example.com/no\"}";
    APIGatewayV2HTTPEvent event = topUpEvent(body);
    event.getHeaders().remove("idempotency-key");
    String sessionId = call(event, 201).string("sessionId");
    assertEquals("http://localhost:5173/ok", stripe.sessionForm(sessionId).get("success_url"));

    for (String bad : List.of("http://evil.example.com/", "javascript:alert(1)", "ftp://x/")) {
      JsonObject e = call(topUpEvent("{\"amountPence\":3000,\"successUrl\":\"" + bad
          + "\",\"cancelUrl\":\"https://app.example.com/no\"}"), 400).object("error");
      assertEquals("successUrl", e.string("field"), bad);
    }
    assertEquals("invalid_request", error(topUpEvent("{\"amountPence\":3000}"), 400), "no URL anywhere");
    assertEquals(1, stripe.sessions().size());
  }

  /**
   * Return pages: any https origin was accepted, so a Checkout page on the platform's Stripe
   * account could send a customer to any site. Only allowed origins now: those listed in
   * TOP_UP_RETURN_ORIGINS, and the configured defaults' own (the only ones when the list is empty).
   */
  @Test
  void topUp_refusesAReturnPageOffTheAllowedOrigins_beforeStripeIsCalled() {
    eventOrg();
    for (String foreign : List.of("https://evil.example/phish", "https://app.example.com.evil.example/",
        "https://app.example.com:8443/wallet", "http://app.example.com/wallet", "https://evil.example/?https://app.example.com")) {
      JsonObject e = call(keyless("{\"amountPence\":3000,\"successUrl\":\"" + foreign + "\"}"), 400).object("error");
      assertEquals("invalid_request", e.string("code"), foreign);
      assertEquals("successUrl", e.string("field"), foreign);
      e = call(keyless("{\"amountPence\":3000,\"cancelUrl\":\"" + foreign + "\"}"), 400).object("error");
      assertEquals("cancelUrl", e.string("field"), foreign);
    }
    assertEquals(0, stripe.count(FakeStripe.CREATE_SESSION));
    // the defaults' origin (any page, any case) is allowed with no list
    String sessionId = call(keyless("{\"amountPence\":3000,\"successUrl\":\"https://APP.example.com:443/done\"}"), 201)
        .string("sessionId");
    assertEquals("https://APP.example.com:443/done", stripe.sessionForm(sessionId).get("success_url"));

    handler = handler(Map.of("TOP_UP_RETURN_ORIGINS", "https://shop.example.org"));
    call(keyless("{\"amountPence\":3000,\"successUrl\":\"https://shop.example.org/paid\"}"), 201);
    assertEquals("invalid_request", error(keyless("{\"amountPence\":3000,\"successUrl\":\"https://evil.example/\"}"), 400));
  }

  @Test
  void topUp_returnOriginsMustBeBareOrigins_refusedAtStartUp() {
    for (String bad : List.of("https://app.example.com/wallet", "app.example.com", "http://evil.example", "https://x?y")) {
      MissingConfigException e = assertThrows(MissingConfigException.class,
          () -> handler(Map.of("TOP_UP_RETURN_ORIGINS", bad)), bad);
      assertEquals("TOP_UP_RETURN_ORIGINS", e.name());
    }
  }

  /** A return page Stripe refuses is the client's input: 400, not 502 provider_error. */
  @Test
  void topUp_aReturnPageStripeRefuses_is400NamingTheField_not502() {
    eventOrg();
    stripe.refuseReturnUrl("https://app.example.com/refused");

    JsonObject e = call(keyless("{\"amountPence\":3000,\"cancelUrl\":\"https://app.example.com/refused\"}"), 400)
        .object("error");

    assertEquals("invalid_request", e.string("code"));
    assertEquals("cancelUrl", e.string("field"));
    assertEquals(0, stripe.successCount(FakeStripe.CREATE_SESSION));
  }

  @Test
  void topUp_belowTheMinimum_is400_andStripeIsNotCalled() {
    eventOrg();
    JsonObject e = call(topUpEvent("{\"amountPence\":2499}"), 400).object("error");
    assertEquals("invalid_request", e.string("code"));
    assertEquals("amountPence", e.string("field"));
    assertEquals(2500, e.longValue("minimumPence"));
    call(topUpEvent("{\"amountPence\":2500}"), 201);
    assertEquals(1, stripe.count(FakeStripe.CREATE_SESSION));
  }

  @Test
  void topUp_minimumIsConfigurable() {
    eventOrg();
    handler = handler(Map.of("TOP_UP_MINIMUM_PENCE", "1000"));
    call(topUpEvent("{\"amountPence\":1000}"), 201);
  }

  @Test
  void topUp_malformedBodies_are400() {
    eventOrg();
    for (String body : List.of("{\"amountPence\":\"5000\"}", "{\"amountPence\":50.5}", "{}",
        "{\"amountPence\":5000,\"currency\":\"usd\"}", "not json", "{\"amountPence\":100000000}")) {
      assertEquals("invalid_request", error(topUpEvent(body), 400), body);
    }
    assertEquals(0, stripe.count(FakeStripe.CREATE_SESSION));
  }

  @Test
  void topUp_whenStripeFails_is502ProviderError_andNothingIsRecorded() {
    eventOrg();
    stripe.failAlways(FakeStripe.CREATE_SESSION, Fault.status(500));
    JsonObject e = call(topUpEvent(null), 502).object("error");
    assertEquals("provider_error", e.string("code"));
    assertFalse(e.toString().contains(FakeStripe.DEFAULT_API_KEY));
    assertEquals(0, stripe.successCount(FakeStripe.CREATE_SESSION));
    assertEquals(0, db.count("SELECT count(*) FROM credit_transactions"));
    assertEquals(0, db.count("SELECT count(*) FROM stripe_webhook_events"));
  }

  @Test
  void topUp_whenStripeTimesOut_is502() {
    eventOrg();
    stripe.failAlways(FakeStripe.CREATE_SESSION, Fault.delay(Duration.ofSeconds(3)));
    assertEquals("provider_error", error(topUpEvent(null), 502));
  }

  @Test
  void topUp_aServerErrorStripeSaysToRetry_isRetriedWithTheSameKey_andCreatesOneSession() {
    eventOrg();
    stripe.failNext(FakeStripe.CREATE_SESSION, FakeStripe.retryable(503));
    call(topUpEvent(null), 201);
    assertEquals(1, stripe.sessions().size());
  }

  @Test
  void everyRoute_forAnUnknownOrg_is404OrgNotFound() {
    assertEquals("org_not_found", error(topUpEvent(null), 404));
    assertEquals("org_not_found", error(walletEvent(Map.of()), 404));
    assertEquals(0, stripe.count(FakeStripe.CREATE_SESSION));
  }

  @Test
  void wallet_showsBalanceAndCurrency_forAnEmptyWallet() {
    eventOrg();
    Map<String, Object> expected = new HashMap<>(
        Map.of("balancePence", java.math.BigDecimal.ZERO, "currency", "gbp", "transactions", List.of()));
    expected.put("nextCursor", null);
    assertEquals(expected, call(walletEvent(Map.of()), 200).asMap());
  }

  @Test
  void wallet_pagesTheLedgerNewestFirst_withACursor() {
    eventOrg();
    for (int i = 1; i <= 5; i++) {
      db.credit(EVENT_ORG, i * 100, "topup", "top-up " + i);
    }
    JsonObject first = call(walletEvent(Map.of("limit", "2")), 200);
    assertEquals(1500, first.longValue("balancePence"));
    List<String> seen = new ArrayList<>();
    JsonObject page = first;
    while (true) {
      for (Object t : page.list("transactions")) {
        seen.add((String) map(t).get("description"));
      }
      if (!page.has("nextCursor")) {
        break;
      }
      page = call(walletEvent(Map.of("limit", "2", "cursor", page.string("nextCursor"))), 200);
    }
    assertEquals(List.of("top-up 5", "top-up 4", "top-up 3", "top-up 2", "top-up 1"), seen);
    Map<String, Object> newest = map(first.list("transactions").get(0));
    assertEquals("credit", newest.get("direction"));
    assertEquals("topup", newest.get("type"));
    assertEquals(1500L, ((java.math.BigDecimal) newest.get("balanceAfterPence")).longValue());
  }

  @Test
  void wallet_defaultsTo20_andRefusesBadLimitsAndCursors() {
    eventOrg();
    for (int i = 0; i < 25; i++) {
      db.credit(EVENT_ORG, 100, "adjustment", "n" + i);
    }
    JsonObject page = call(walletEvent(Map.of()), 200);
    assertEquals(20, page.list("transactions").size());
    assertTrue(page.has("nextCursor"));
    for (String limit : List.of("0", "101", "abc", "-1")) {
      assertEquals("invalid_request", error(walletEvent(Map.of("limit", limit)), 400), limit);
    }
    for (String cursor : List.of("xyz", "c2VxOi0x", "!!")) {
      assertEquals("invalid_request", error(walletEvent(Map.of("cursor", cursor)), 400), cursor);
    }
    assertNotEquals(null, page.string("nextCursor"));
  }

  @Test
  void snapStartHooks_callNoProvider_andTheWalletWorksAfterRestore() {
    eventOrg();
    handler.snapStart().beforeCheckpoint(null);
    handler.snapStart().afterRestore(null);
    assertEquals(0, stripe.journal().size(), "priming calls no provider");

    assertEquals(200, handler.handleRequest(walletEvent(Map.of()), null).getStatusCode());
  }
}
