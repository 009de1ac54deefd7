package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.Stripe;
import dev.switchboard.config.Settings;
import dev.switchboard.error.ErrorCode;
import dev.switchboard.function.listnumbers.ListNumbersHandler;
import dev.switchboard.function.provision.ProvisionNumberHandler;
import dev.switchboard.function.release.ReleaseNumberHandler;
import dev.switchboard.function.wallet.WalletHandler;
import dev.switchboard.function.webhook.StripeWebhookHandler;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.testing.CommitDroppingProxy;
import dev.switchboard.testing.EmbeddedDatabase;
import dev.switchboard.testing.ProviderWorld;
import dev.switchboard.testing.fake.FakeStripe;
import dev.switchboard.testing.fake.FakeTwilio;
import dev.switchboard.testing.fake.FakeVapi;
import dev.switchboard.testing.fake.Fault;
import dev.switchboard.testing.stripe.StripeEvents;
import dev.switchboard.testing.stripe.StripeSignatures;
import dev.switchboard.wiring.Platform;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * docs/openapi.yaml against the real handlers. Each request is the payload 2.0 event the local
 * API builds for the template's route ({@link HttpApiEvents}), handed to the handler class the
 * template names, built on a fresh database of the shared embedded PostgreSQL with the fake
 * Twilio, Vapi and Stripe; every answer is validated against the document
 * ({@link OpenApiContract}). The scenarios produce each route's successes and each error the
 * document gives it; the last test fails on any documented outcome none of them produced, and
 * the first on a route the template and the document do not share. API Gateway's own answers
 * ({@code {"message": ...}}) come from the local API: {@code StartApiTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApiContractTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String WEBHOOK_SECRET = "whsec_test_contract_not_a_real_secret";
  /** Canada's local numbers are sold out in this world. */
  private static final String SOLD_OUT = "{\"country\":\"CA\",\"direction\":\"unassigned\"}";
  private static final PojoSerializer<APIGatewayV2HTTPEvent> EVENTS = LambdaEventSerializers.serializerFor(
      APIGatewayV2HTTPEvent.class, ApiContractTest.class.getClassLoader());

  private final OpenApiContract contract = OpenApiContract.load(LocalTestSupport.PROJECT.resolve("docs/openapi.yaml"));
  private final TemplateModel template = TemplateModel.load(LocalTestSupport.PROJECT.resolve("template.yaml"));
  private ProviderWorld world;
  private FakeStripe stripe;
  private CommitDroppingProxy proxy;
  private Map<String, RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> handlers;
  /** What the saga hooks of the provisioning and release handlers do: nothing, unless a scenario says. */
  private volatile SagaHooks hooks = SagaHooks.NONE;
  private UUID rich;

  @BeforeAll
  void start() {
    world = new ProviderWorld();
    stripe = new FakeStripe();
    proxy = new CommitDroppingProxy(EmbeddedDatabase.shared().port());
    world.twilio.pinAvailable("CA", "Local");
    handlers = handlers(Map.of());
    rich = organisation("Acme Dental", 10_000);
  }

  @AfterAll
  void stop() {
    world.db.killOtherConnections();
    proxy.close();
    stripe.close();
    world.close();
  }

  // ------------------------------------------------------------------ the routes

  @Test
  @Order(0)
  void theDocumentsOperations_areExactlyTheTemplatesRoutes_eachServedByTheHandlerTheTemplateNames() {
    Set<String> routes = template.routes().stream().map(r -> r.method() + " " + r.path())
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(routes, contract.operations(), "template.yaml's HttpApi routes and docs/openapi.yaml's paths");
    for (HttpRoute route : template.routes()) {
      String named = template.function(route.functionId()).orElseThrow().handler().split("::")[0];
      assertTrue(handlers.containsKey(route.functionId()), "no handler for " + route.functionId());
      assertEquals(named, handlers.get(route.functionId()).getClass().getName(), route.routeKey());
      assertEquals(!route.path().equals("/webhooks/stripe"), route.authorized(), route.routeKey() + " authorizer");
    }
    // the document says the same about security: the webhook alone is open
    JsonNode doc = contract.document();
    assertEquals(0, doc.path("paths").path("/webhooks/stripe").path("post").path("security").size());
    assertEquals("bearer", doc.path("components").path("securitySchemes").path("bearerAuth").path("scheme").asText());
  }

  @Test
  @Order(0)
  void everyErrorCodeOfTheApi_isDocumented_andEveryDocumentedCodeExists() {
    Set<String> codes = Arrays.stream(ErrorCode.values()).map(ErrorCode::wire).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(codes, contract.documentedCodes());
  }

  // ------------------------------------------------------------------ GET /phone-numbers/available

  @Test
  @Order(1)
  void searchAvailableNumbers() {
    ok(call("GET", "/phone-numbers/available?country=US&areaCode=415&limit=3", rich, null), 200);
    error(call("GET", "/phone-numbers/available?country=XX", rich, null), 400, "invalid_request");
    error(call("GET", "/phone-numbers/available?country=US&colour=red", rich, null), 400, "invalid_request");
    error(call("GET", "/phone-numbers/available?country=US", null, null), 401, "unauthorized");
    error(call("GET", "/phone-numbers/available?country=US", UUID.randomUUID(), null), 404, "org_not_found");
    world.twilio.failNext(FakeTwilio.SEARCH_LOCAL, Fault.status(500), 3);
    error(call("GET", "/phone-numbers/available?country=US", rich, null), 502, "provider_error");
    world.twilio.heal();
    withHandlers(Map.of("SEARCH_LIMIT_PER_MINUTE", "1"), () -> {
      UUID org = organisation("Searcher", 0);
      ok(call("GET", "/phone-numbers/available?country=US", org, null), 200);
      error(call("GET", "/phone-numbers/available?country=US", org, null), 429, "rate_limited");
    });
  }

  // ------------------------------------------------------------------ POST /phone-numbers

  @Test
  @Order(2)
  void provisionPhoneNumber() {
    UUID org = organisation("Buyer", 10_000);
    String body = "{\"country\":\"US\",\"numberType\":\"local\",\"areaCode\":\"415\",\"direction\":\"inbound\"}";
    ok(call("POST", "/phone-numbers", org, body, "Idempotency-Key", "k-1"), 201);
    ok(call("POST", "/phone-numbers", org, body, "Idempotency-Key", "k-1"), 201); // the same answer again
    error(call("POST", "/phone-numbers", org, body, "Idempotency-Key", "k-2"), 409, "number_exists");
    error(call("POST", "/phone-numbers", org, body.replace("inbound", "outbound"), "Idempotency-Key", "k-1"),
        409, "idempotency_conflict");
    error(call("POST", "/phone-numbers", org, "{\"country\":\"US\",\"flavour\":\"x\"}"), 400, "invalid_request");
    error(call("POST", "/phone-numbers", org, "{\"country\":\"US\"}", "Idempotency-Key", "\u00e9"), 400,
        "invalid_request");
    error(call("POST", "/phone-numbers", org, "{\"country\":\"GB\",\"direction\":\"outbound\"}"), 400,
        "address_required");
    error(call("POST", "/phone-numbers", null, body), 401, "unauthorized");
    error(call("POST", "/phone-numbers", UUID.randomUUID(), body), 404, "org_not_found");
    error(call("POST", "/phone-numbers", organisation("Poor", 0), body), 402, "insufficient_funds");
    error(call("POST", "/phone-numbers", org, "{\"country\":\"US\",\"pad\":\"" + "x".repeat(70_000) + "\"}"), 413,
        "payload_too_large");
    error(call("POST", "/phone-numbers", org, body, "Content-Type", "text/plain"), 415, "unsupported_media_type");

    // no number in the inventory after the charge: refunded
    UUID unlucky = organisation("Unlucky", 10_000);
    error(call("POST", "/phone-numbers", unlucky, SOLD_OUT), 409, "no_numbers_available");
    // Vapi fails after the purchase: refunded, with the step
    world.vapi.failNext(FakeVapi.CREATE, Fault.status(500), 3);
    Reply failed = error(call("POST", "/phone-numbers", unlucky, body), 502, "provider_error");
    assertEquals("vapi_import", failed.error().path("failedStep").asText(), failed.body());
    world.vapi.heal();

    // the same key while the first request still runs
    UUID busy = organisation("Busy", 10_000);
    List<Reply> during = new java.util.ArrayList<>();
    hooks = step -> {
      if (step.equals("purchase") && during.isEmpty()) {
        during.add(call("POST", "/phone-numbers", busy, body, "Idempotency-Key", "busy-1"));
      }
    };
    try {
      ok(call("POST", "/phone-numbers", busy, body, "Idempotency-Key", "busy-1"), 201);
    } finally {
      hooks = SagaHooks.NONE;
    }
    error(during.get(0), 409, "request_in_progress");

    // the org's Twilio subaccount is suspended
    world.db.update("UPDATE twilio_subaccounts SET status = 'suspended' WHERE org_id = ?", busy);
    error(call("POST", "/phone-numbers", busy, body.replace("inbound", "outbound")), 409,
        "telephony_account_unavailable");

    withHandlers(Map.of("FAILED_PROVISIONING_LIMIT_PER_HOUR", "1"), () -> {
      UUID tries = organisation("Tries", 10_000);
      error(call("POST", "/phone-numbers", tries, SOLD_OUT), 409, "no_numbers_available");
      error(call("POST", "/phone-numbers", tries, SOLD_OUT), 429, "rate_limited");
    });
  }

  @Test
  @Order(3)
  void provisionPhoneNumber_whenTheDatabaseGoesAwayAfterTheCharge_isOutcomePending() {
    UUID org = organisation("Failover", 10_000);
    withHandlers(Map.of("DATABASE_URL", proxied()), () -> {
      hooks = step -> {
        if (step.equals("purchase")) {
          proxy.goDown();
        }
      };
      try {
        Reply pending = error(call("POST", "/phone-numbers", org,
            "{\"country\":\"US\",\"areaCode\":\"415\",\"direction\":\"outbound\"}", "Idempotency-Key", "fo-1"),
            503, "outcome_pending");
        assertEquals(true, pending.error().path("charged").asBoolean(), pending.body());
      } finally {
        hooks = SagaHooks.NONE;
        proxy.comeBack();
      }
    });
  }

  // ------------------------------------------------------------------ GET /phone-numbers

  @Test
  @Order(4)
  void listPhoneNumbers() {
    ok(call("GET", "/phone-numbers", rich, null), 200);
    UUID org = organisation("Lister", 10_000);
    ok(call("POST", "/phone-numbers", org, "{\"country\":\"US\",\"direction\":\"inbound\"}"), 201);
    world.db.byocCredential(org, "outbound", "+14155550199", "vapi-byoc-1");
    Reply listed = ok(call("GET", "/phone-numbers", org, null), 200);
    assertEquals(2, listed.json().path("numbers").size(), listed.body());
    error(call("GET", "/phone-numbers?x=1", org, null), 400, "invalid_request");
    error(call("GET", "/phone-numbers", null, null), 401, "unauthorized");
    error(call("GET", "/phone-numbers", UUID.randomUUID(), null), 404, "org_not_found");
  }

  // ------------------------------------------------------------------ DELETE /phone-numbers/{id}

  @Test
  @Order(5)
  void releasePhoneNumber() {
    UUID org = organisation("Releaser", 10_000);
    String inbound = ok(call("POST", "/phone-numbers", org, "{\"country\":\"US\",\"direction\":\"inbound\"}"), 201)
        .json().path("id").asText();
    String outbound = ok(call("POST", "/phone-numbers", org, "{\"country\":\"US\",\"direction\":\"outbound\"}"), 201)
        .json().path("id").asText();
    ok(call("DELETE", "/phone-numbers/" + inbound, org, null), 200);
    error(call("DELETE", "/phone-numbers/" + inbound, org, null), 404, "not_found");
    error(call("DELETE", "/phone-numbers/not-a-uuid", org, null), 404, "not_found");
    error(call("DELETE", "/phone-numbers/" + outbound + "?force=1", org, null), 400, "invalid_request");
    error(call("DELETE", "/phone-numbers/" + outbound, null, null), 401, "unauthorized");
    error(call("DELETE", "/phone-numbers/" + outbound, UUID.randomUUID(), null), 404, "org_not_found");
    world.twilio.failNext(FakeTwilio.RELEASE, Fault.status(500), 3);
    Reply releasing = ok(call("DELETE", "/phone-numbers/" + outbound, org, null), 202);
    assertEquals("twilio_release", releasing.json().path("pendingSteps").get(0).asText(), releasing.body());
    world.twilio.heal();
    ok(call("DELETE", "/phone-numbers/" + outbound, org, null), 200);

    // DELETE while the number is still being provisioned
    UUID busy = organisation("Impatient", 10_000);
    List<Reply> during = new java.util.ArrayList<>();
    hooks = step -> {
      if (step.equals("purchase") && during.isEmpty()) {
        String id = world.db.row("SELECT id::text AS id FROM managed_phone_numbers WHERE org_id = ?", busy)
            .get("id").toString();
        during.add(call("DELETE", "/phone-numbers/" + id, busy, null));
      }
    };
    try {
      ok(call("POST", "/phone-numbers", busy, "{\"country\":\"US\"}"), 201);
    } finally {
      hooks = SagaHooks.NONE;
    }
    error(during.get(0), 409, "request_in_progress");
  }

  // ------------------------------------------------------------------ POST /wallet/top-ups

  @Test
  @Order(6)
  void createTopUp() {
    String body = "{\"amountPence\":5000,\"successUrl\":\"https://app.example.com/ok\","
        + "\"cancelUrl\":\"https://app.example.com/no\"}";
    ok(call("POST", "/wallet/top-ups", rich, body, "Idempotency-Key", "t-1"), 201);
    error(call("POST", "/wallet/top-ups", rich, body.replace("5000", "6000"), "Idempotency-Key", "t-1"), 409,
        "idempotency_conflict");
    error(call("POST", "/wallet/top-ups", rich, "{\"amountPence\":1}"), 400, "invalid_request");
    error(call("POST", "/wallet/top-ups", rich, "{\"amountPence\":5000,\"successUrl\":\"https://evil.example/\"}"),
        400, "invalid_request");
    error(call("POST", "/wallet/top-ups", rich, "{\"amountPence\":5000,\"pad\":\"" + "x".repeat(70_000) + "\"}"),
        413, "payload_too_large");
    error(call("POST", "/wallet/top-ups", rich, body, "Content-Type", "text/plain"), 415, "unsupported_media_type");
    error(call("POST", "/wallet/top-ups", null, body), 401, "unauthorized");
    error(call("POST", "/wallet/top-ups", UUID.randomUUID(), body), 404, "org_not_found");
    stripe.failNext(FakeStripe.CREATE_SESSION, Fault.status(409), 3);
    error(call("POST", "/wallet/top-ups", rich, body, "Idempotency-Key", "t-2"), 409, "request_in_progress");
    stripe.heal();
    stripe.failNext(FakeStripe.CREATE_SESSION, Fault.status(500), 3);
    error(call("POST", "/wallet/top-ups", rich, body), 502, "provider_error");
    stripe.heal();
    withHandlers(Map.of("TOP_UP_LIMIT_PER_MINUTE", "1"), () -> {
      UUID org = organisation("Topper", 0);
      ok(call("POST", "/wallet/top-ups", org, body), 201);
      error(call("POST", "/wallet/top-ups", org, body), 429, "rate_limited");
    });
  }

  // ------------------------------------------------------------------ GET /wallet

  @Test
  @Order(7)
  void getWallet() {
    UUID org = organisation("Ledger", 10_000);
    world.db.credit(org, 500, "adjustment", "goodwill");
    Reply first = ok(call("GET", "/wallet?limit=1", org, null), 200);
    String cursor = first.json().path("nextCursor").asText();
    ok(call("GET", "/wallet?limit=1&cursor=" + cursor, org, null), 200);
    error(call("GET", "/wallet?limit=0", org, null), 400, "invalid_request");
    error(call("GET", "/wallet?cursor=zzz", org, null), 400, "invalid_request");
    error(call("GET", "/wallet", null, null), 401, "unauthorized");
    error(call("GET", "/wallet", UUID.randomUUID(), null), 404, "org_not_found");
  }

  @Test
  @Order(8)
  void aFunctionReachedWithARouteItDoesNotServe_answersTheDocumented405() {
    APIGatewayV2HTTPEvent event = event(new HttpRoute("PUT", "/wallet", "WalletFunction", true), "/wallet", null,
        rich, null, Map.of());
    APIGatewayV2HTTPResponse r = handlers.get("WalletFunction").handleRequest(event, null);
    assertEquals(405, r.getStatusCode(), r.getBody());
    assertEquals(List.of(), contract.problemsAgainstComponent("MethodNotAllowedError", r.getBody()));
  }

  // ------------------------------------------------------------------ POST /webhooks/stripe

  @Test
  @Order(9)
  void receiveStripeEvent() {
    UUID org = organisation("Payer", 0);
    StripeEvents events = new StripeEvents(Stripe.API_VERSION, Instant.now());
    String event = events.checkoutSessionCompleted(StripeEvents.id("evt_"), StripeEvents.topUp(org, 5000));
    ok(webhook(event, sign(event)), 200);
    Reply again = ok(webhook(event, sign(event)), 200);
    assertTrue(again.json().path("duplicate").asBoolean(), again.body());
    assertEquals(5000, world.db.balance(org));
    error(webhook(event, StripeSignatures.header(event, "whsec_forger", Instant.now())), 400, "invalid_signature");
    error(webhook("not json", sign("not json")), 400, "invalid_payload");
    error(call("POST", "/webhooks/stripe?x=1", null, event, "Stripe-Signature", sign(event)), 400, "invalid_request");
    String big = "{\"pad\":\"" + "x".repeat(1_100_000) + "\"}";
    error(webhook(big, sign(big)), 413, "payload_too_large");

    // applying fails inside its transaction: recorded failed, Stripe retries
    world.db.update("""
        CREATE OR REPLACE FUNCTION contract_failure() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'injected failure'; END; $$""");
    world.db.update("CREATE TRIGGER contract_failure BEFORE INSERT ON credit_transactions "
        + "FOR EACH ROW EXECUTE FUNCTION contract_failure()");
    try {
      String second = events.checkoutSessionCompleted(StripeEvents.id("evt_"), StripeEvents.topUp(org, 2500));
      error(webhook(second, sign(second)), 500, "event_not_applied");
    } finally {
      world.db.update("DROP TRIGGER contract_failure ON credit_transactions");
    }

    Map<String, String> noSecret = new HashMap<>();
    noSecret.put("STRIPE_WEBHOOK_SECRET", null);
    withHandlers(noSecret, () -> error(webhook(event, sign(event)), 503, "webhook_not_ready"));
  }

  // ------------------------------------------------------------------ every route: our fault, no database

  @Test
  @Order(10)
  void everyRoute_whenTheDatabaseIsUnreachable_is503_andWhenItIsBroken_is500() {
    String event = new StripeEvents(Stripe.API_VERSION, Instant.now())
        .checkoutSessionCompleted(StripeEvents.id("evt_"), StripeEvents.topUp(rich, 5000));
    Map<String, Function<UUID, Reply>> everyRoute = new LinkedHashMap<>();
    everyRoute.put("search", org -> call("GET", "/phone-numbers/available?country=US", org, null));
    everyRoute.put("provision", org -> call("POST", "/phone-numbers", org, "{\"country\":\"US\"}"));
    everyRoute.put("list", org -> call("GET", "/phone-numbers", org, null));
    everyRoute.put("release", org -> call("DELETE", "/phone-numbers/" + UUID.randomUUID(), org, null));
    everyRoute.put("top-up", org -> call("POST", "/wallet/top-ups", org, "{\"amountPence\":5000}"));
    everyRoute.put("wallet", org -> call("GET", "/wallet", org, null));
    everyRoute.put("webhook", org -> webhook(event, sign(event)));

    withHandlers(Map.of("DATABASE_URL", proxied()), () -> {
      proxy.goDown();
      try {
        everyRoute.forEach((name, request) -> error(request.apply(rich), 503, "service_unavailable"));
      } finally {
        proxy.comeBack();
      }
    });
    withHandlers(Map.of("DATABASE_URL", emptyDatabase()), () ->
        everyRoute.forEach((name, request) -> {
          Reply r = request.apply(rich);
          assertEquals(500, r.status(), name + ": " + r.body());
          assertEquals(name.equals("webhook") ? "event_not_applied" : "internal_error", r.code(), name + ": " + r.body());
        }));
  }

  // ------------------------------------------------------------------ coverage

  @Test
  @Order(100)
  void everyOutcomeTheDocumentGives_wasProducedByAScenario() {
    Set<String> missing = new TreeSet<>(contract.documentedOutcomes());
    missing.removeIf(o -> o.endsWith(" gateway")); // API Gateway's own: StartApiTest
    missing.removeAll(contract.observedOutcomes());
    assertEquals(Set.of(), missing, "documented, but no scenario produced them");
  }

  // ------------------------------------------------------------------ the harness

  /** One answer, already validated against the document. */
  record Reply(int status, Map<String, String> headers, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (java.io.IOException e) {
        throw new AssertionError("no JSON: " + body, e);
      }
    }

    JsonNode error() {
      return json().path("error");
    }

    String code() {
      return error().path("code").asText();
    }
  }

  private Reply ok(Reply r, int status) {
    assertEquals(status, r.status(), r.body());
    return r;
  }

  private Reply error(Reply r, int status, String code) {
    assertEquals(status, r.status(), r.body());
    assertEquals(code, r.code(), r.body());
    return r;
  }

  private Reply webhook(String body, String signature) {
    return call("POST", "/webhooks/stripe", null, body, "Stripe-Signature", signature);
  }

  private static String sign(String body) {
    return StripeSignatures.header(body, WEBHOOK_SECRET, Instant.now());
  }

  /**
   * {@code method target} (a path with its query) as API Gateway hands it to the function of
   * the template's route: the JWT's claims name {@code org} (null: a token without the claim).
   */
  private Reply call(String method, String target, UUID org, String body, String... headerPairs) {
    String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
    String query = target.contains("?") ? target.substring(target.indexOf('?') + 1) : null;
    HttpRoute route = null;
    Map<String, String> pathParameters = Map.of();
    for (HttpRoute r : template.routes()) {
      Optional<Map<String, String>> match = r.method().equals(method) ? r.match(path) : Optional.empty();
      if (match.isPresent()) {
        route = r;
        pathParameters = match.get();
        break;
      }
    }
    if (route == null) {
      throw new AssertionError("the template has no route for " + method + " " + path);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    if (body != null) {
      headers.put("content-type", "application/json");
    }
    for (int i = 0; i < headerPairs.length; i += 2) {
      headers.put(headerPairs[i].toLowerCase(java.util.Locale.ROOT), headerPairs[i + 1]);
    }
    APIGatewayV2HTTPEvent event = event(route, path, query, org, body, headers);
    event.setPathParameters(pathParameters.isEmpty() ? null : new HashMap<>(pathParameters));
    APIGatewayV2HTTPResponse response = handlers.get(route.functionId()).handleRequest(event, null);
    Map<String, String> responseHeaders = response.getHeaders() == null ? Map.of() : response.getHeaders();
    Reply reply = new Reply(response.getStatusCode(), responseHeaders, response.getBody());
    List<String> problems = contract.problems(route.method(), route.path(), reply.status(), responseHeaders,
        reply.body());
    assertEquals(List.of(), problems, method + " " + target + " answered " + reply.status() + " " + reply.body());
    if (reply.status() < 300) {
      assertEquals(List.of(), contract.requestProblems(route.method(), route.path(), HttpApiEvents.query(query), body),
          "accepted, yet undocumented");
    }
    return reply;
  }

  private APIGatewayV2HTTPEvent event(HttpRoute route, String path, String query, UUID org, String body,
      Map<String, String> headers) {
    Map<String, List<String>> requestHeaders = new LinkedHashMap<>();
    headers.forEach((k, v) -> requestHeaders.put(k, List.of(v)));
    Optional<Map<String, String>> claims = Optional.empty();
    if (route.authorized()) {
      Map<String, String> c = new LinkedHashMap<>(Map.of("sub", "user-contract", "iss", "https://auth.example.com/"));
      if (org != null) {
        c.put("org_id", org.toString());
      }
      claims = Optional.of(c);
    }
    HttpApiEvents.Request request = new HttpApiEvents.Request(route.method(), path, query, requestHeaders,
        body == null ? null : body.getBytes(StandardCharsets.UTF_8), "203.0.113.10");
    String json = HttpApiEvents.build(request, route, Map.of(), claims, HttpApiEvents.newRequestId(), Instant.now())
        .toString();
    return EVENTS.fromJson(json);
  }

  /** The template's functions behind its routes, built on this world's settings plus {@code overrides}. */
  private Map<String, RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> handlers(
      Map<String, String> overrides) {
    Settings settings = Settings.of(settings(overrides));
    SagaHooks delegating = step -> hooks.after(step);
    Map<String, RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> built = new LinkedHashMap<>();
    built.put("ProvisionNumberFunction", new ProvisionNumberHandler(settings, delegating));
    built.put("ListNumbersFunction", new ListNumbersHandler(Platform.from(settings)));
    built.put("ReleaseNumberFunction", new ReleaseNumberHandler(settings, delegating));
    built.put("WalletFunction", new WalletHandler(Platform.from(settings)));
    built.put("StripeWebhookFunction", new StripeWebhookHandler(Platform.from(settings), Clock.systemUTC()));
    return built;
  }

  /** The environment of every function in this world, plus {@code overrides} (a null value removes). */
  private Map<String, String> settings(Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>(world.settings());
    env.put("DATABASE_URL", EmbeddedDatabase.shared().asApplicationRole(world.db.jdbcUrl()));
    env.put("STRIPE_API_KEY", FakeStripe.DEFAULT_API_KEY);
    env.put("STRIPE_API_BASE_URL", stripe.baseUrl());
    env.put("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET);
    env.put("TOP_UP_SUCCESS_URL", "https://app.example.com/wallet?topup=success");
    env.put("TOP_UP_CANCEL_URL", "https://app.example.com/wallet?topup=cancelled");
    env.put("TOP_UP_LIMIT_PER_MINUTE", "0");
    overrides.forEach((k, v) -> {
      if (v == null) {
        env.remove(k);
      } else {
        env.put(k, v);
      }
    });
    return env;
  }

  /** Runs {@code scenario} with handlers built on other settings, then puts the usual ones back. */
  private void withHandlers(Map<String, String> overrides, Runnable scenario) {
    Map<String, RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> usual = handlers;
    handlers = handlers(overrides);
    try {
      scenario.run();
    } finally {
      handlers = usual;
      world.db.killOtherConnections(); // the scenario's handlers' pools
    }
  }

  /** This world's database through the proxy that can go down. */
  private String proxied() {
    return proxy.jdbcUrl(EmbeddedDatabase.shared().asApplicationRole(world.db.jdbcUrl()));
  }

  /** A database without the schema: every query fails as a bug in ours would. */
  private static String emptyDatabase() {
    String name = "contract_empty_" + ProcessHandle.current().pid() + "_" + System.nanoTime();
    try (Connection c = DriverManager.getConnection(EmbeddedDatabase.shared().jdbcUrl("postgres"));
         Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
    return EmbeddedDatabase.shared().jdbcUrl(name);
  }

  private UUID organisation(String name, long balance) {
    UUID org = world.db.organization(name, balance);
    world.db.agentWithAssistant(org, "inbound", "asst_" + org.toString().substring(0, 8));
    world.db.agent(org, "outbound");
    return org;
  }
}
