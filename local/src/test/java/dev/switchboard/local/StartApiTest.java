package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testing.TestData;
import dev.switchboard.testing.stripe.StripeSignatures;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * start-api as a developer runs it: the project's template and real functions, the embedded
 * database, the provider sandboxes, and the demo organisation with its dev JWT, driven over
 * real HTTP.
 */
class StartApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir
  static Path dir;
  private static LocalRun run;
  private static ApiServer api;
  private static String token;
  private static TestData db;

  @BeforeAll
  static void start() {
    RunOptions options = RunOptions.defaults(LocalTestSupport.PROJECT, LocalTestSupport.processEnvironment(Map.of()))
        .withDataDirectory(dir, true);
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    run = LocalRun.start(options, true, Sandboxes.all(), quiet);
    api = ApiServer.start(run, "127.0.0.1", 0, quiet);
    token = DevJwt.forOrg(run.devKey(), run.services().demoOrganisation().orElseThrow(), "org_id",
        java.time.Instant.now());
    db = new TestData(run.services().jdbcUrl());
  }

  @AfterAll
  static void stop() {
    db.close();
    api.close();
    run.close();
  }

  private static HttpResponse<String> call(String method, String path, String body, String... headers)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(api.baseUrl() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (!path.startsWith("/webhooks/")) {
      request.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  @Test
  void theDemoOrganisation_listsNoNumbers_withTheDevJwt() throws Exception {
    HttpResponse<String> response = call("GET", "/phone-numbers", null);

    assertEquals(200, response.statusCode(), response.body());
    assertTrue(json(response).path("numbers").isArray(), response.body());
    assertTrue(response.headers().firstValue("content-type").orElseThrow().startsWith("application/json"));
  }

  @Test
  void concurrentRequests_areAllAnswered() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      calls.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(api.baseUrl() + "/phone-numbers"))
          .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> c : calls) {
      assertEquals(200, c.get().statusCode(), c.get().body());
    }
  }

  @Test
  void provisionListAndRelease_throughTheSandboxes() throws Exception {
    long before = db.balance(DemoOrganization.ORG_ID);
    db.credit(DemoOrganization.ORG_ID, 2_000, "adjustment", "test money");

    HttpResponse<String> inbound = call("POST", "/phone-numbers",
        "{\"country\":\"US\",\"numberType\":\"local\",\"areaCode\":\"415\",\"direction\":\"inbound\"}",
        "Idempotency-Key", "start-api-test-inbound");
    assertEquals(201, inbound.statusCode(), inbound.body());
    String inboundId = json(inbound).path("id").asText();
    String inboundNumber = json(inbound).path("phoneNumber").asText();
    assertEquals("active", json(inbound).path("status").asText());
    HttpResponse<String> outbound = call("POST", "/phone-numbers",
        "{\"country\":\"US\",\"numberType\":\"local\",\"areaCode\":\"415\",\"direction\":\"outbound\"}");
    assertEquals(201, outbound.statusCode(), outbound.body());
    assertEquals(before, db.balance(DemoOrganization.ORG_ID), "two numbers at £10.00 each");

    JsonNode listed = json(call("GET", "/phone-numbers", null)).path("numbers");
    assertEquals(2, listed.size(), listed.toString());
    assertEquals(db.ledgerSum(DemoOrganization.ORG_ID), db.balance(DemoOrganization.ORG_ID));

    HttpResponse<String> released = call("DELETE", "/phone-numbers/" + inboundId, null);
    assertEquals(200, released.statusCode(), released.body());
    assertEquals("released", json(released).path("status").asText());
    JsonNode after = json(call("GET", "/phone-numbers", null)).path("numbers");
    assertEquals(1, after.size(), after.toString());
    assertEquals("outbound", after.get(0).path("direction").asText());
    assertTrue(!after.toString().contains(inboundNumber));
    assertEquals(404, call("DELETE", "/phone-numbers/" + inboundId, null).statusCode(), "already released");
  }

  @Test
  void aTopUp_isCreditedByTheSignedCheckoutWebhook() throws Exception {
    long before = db.balance(DemoOrganization.ORG_ID);
    HttpResponse<String> topUp = call("POST", "/wallet/top-ups", "{\"amountPence\":5000,"
        + "\"successUrl\":\"http://localhost:3000/?top-up=paid\",\"cancelUrl\":\"http://localhost:3000/?top-up=cancelled\"}");
    assertEquals(201, topUp.statusCode(), topUp.body());
    String sessionId = json(topUp).path("sessionId").asText();

    Map<String, Object> session = run.services().stripeSandbox().orElseThrow().fake().orElseThrow()
        .completeSession(sessionId);
    ObjectNode event = JSON.createObjectNode();
    event.put("id", "evt_test_local_" + System.nanoTime());
    event.put("object", "event");
    event.put("api_version", com.stripe.Stripe.API_VERSION);
    event.put("created", System.currentTimeMillis() / 1000);
    event.put("livemode", false);
    event.put("type", "checkout.session.completed");
    event.putObject("data").set("object", JSON.valueToTree(session));
    String body = event.toString();
    String secret = run.pool("StripeWebhookFunction").orElseThrow().environment().get("STRIPE_WEBHOOK_SECRET");

    HttpResponse<String> forged = call("POST", "/webhooks/stripe", body,
        "Stripe-Signature", StripeSignatures.header(body, "whsec_not_the_secret", Instant.now()));
    assertEquals(400, forged.statusCode(), forged.body());
    assertEquals(before, db.balance(DemoOrganization.ORG_ID), "a forged event changes nothing");

    HttpResponse<String> delivered = call("POST", "/webhooks/stripe", body,
        "Stripe-Signature", StripeSignatures.header(body, secret, Instant.now()));
    assertEquals(200, delivered.statusCode(), delivered.body());
    assertEquals(before + 5_000, db.balance(DemoOrganization.ORG_ID));

    JsonNode wallet = json(call("GET", "/wallet", null));
    assertEquals(before + 5_000, wallet.path("balancePence").asLong(), wallet.toString());
  }

  /**
   * Dev tokens stay local: behind a tunnel (the developer's ngrok URL is registered at Stripe), anyone
   * could send an unsigned dev JWT and act as any organisation. Forwarded requests get 401 on
   * every JWT route and 404 under /_local/, whatever token they carry.
   */
  @Test
  void aRequestThroughATunnel_getsNoJwtRoute_andNoSandboxControl() throws Exception {
    long before = db.balance(DemoOrganization.ORG_ID);
    for (String[] forwarding : List.of(new String[] {"X-Forwarded-For", "203.0.113.7"},
        new String[] {"Forwarded", "for=203.0.113.7;proto=https"}, new String[] {"X-Real-IP", "203.0.113.7"})) {
      HttpResponse<String> listed = call("GET", "/phone-numbers", null, forwarding);
      assertEquals(401, listed.statusCode(), forwarding[0] + ": " + listed.body());
      HttpResponse<String> bought = call("POST", "/phone-numbers",
          "{\"country\":\"US\",\"numberType\":\"local\",\"direction\":\"unassigned\"}", forwarding);
      assertEquals(401, bought.statusCode(), forwarding[0] + ": " + bought.body());
      assertEquals(404, call("POST", "/_local/checkout-sessions/cs_test_x/pay", "", forwarding).statusCode());
    }
    // every JWT route of the template, with each way a tunnel or proxy shows
    int refused = 0;
    for (HttpRoute route : api.routes()) {
      if (!route.authorized()) {
        continue;
      }
      String path = route.path().replace("{id}", java.util.UUID.randomUUID().toString());
      for (String[] forwarding : List.of(new String[] {"X-Forwarded-For", "198.51.100.4, 127.0.0.1"},
          new String[] {"X-Forwarded-Host", "abc123.ngrok-free.app"}, new String[] {"Forwarded", "for=\"[2001:db8::1]\""})) {
        HttpResponse<String> r = call(route.method(), path, route.method().equals("GET") || route.method().equals("DELETE")
            ? null : "{}", forwarding);
        assertEquals(401, r.statusCode(), route.method() + " " + path + " via " + forwarding[0] + ": " + r.body());
        refused++;
      }
    }
    assertTrue(refused >= 18, "every JWT route was tried: " + refused);
    // a tunnel that adds no header still names its own host
    String viaTunnelHost = rawRequest("GET /phone-numbers HTTP/1.1\r\nHost: abc123.ngrok-free.app\r\n"
        + "Authorization: Bearer " + token + "\r\nConnection: close\r\n\r\n");
    assertTrue(viaTunnelHost.startsWith("HTTP/1.1 401"), viaTunnelHost);
    String sandboxViaTunnel = rawRequest("POST /_local/checkout-sessions/cs_test_x/pay HTTP/1.1\r\n"
        + "Host: abc123.ngrok-free.app\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    assertTrue(sandboxViaTunnel.startsWith("HTTP/1.1 404"), sandboxViaTunnel);
    String onThisMachine = rawRequest("GET /phone-numbers HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Authorization: Bearer " + token + "\r\nConnection: close\r\n\r\n");
    assertTrue(onThisMachine.startsWith("HTTP/1.1 200"), onThisMachine);
    assertEquals(0, db.count("SELECT count(*) FROM managed_phone_numbers WHERE routing_direction = 'unassigned'"));
    assertEquals(before, db.balance(DemoOrganization.ORG_ID));
  }

  /**
   * The local API used to decode tokens without verifying them: through a tunnel that sends
   * {@code Host: 127.0.0.1} and no forwarding header (nginx's default proxy_pass, ssh -R), a
   * forged {@code alg: none} token reached every route as any organisation. Now a token must be
   * signed with this data directory's key, for the local audience, and not expired.
   */
  @Test
  void aForgedToken_throughATunnelThatLooksLocal_is401_onEveryAuthorizedRoute() throws Exception {
    java.util.UUID victim = DemoOrganization.ORG_ID;
    Map<String, Object> claims = Map.of("sub", "attacker", "iss", DevJwt.ISSUER, "aud", DevJwt.AUDIENCE,
        "org_id", victim.toString(), "exp", Instant.now().plusSeconds(600).getEpochSecond());
    Map<String, Object> otherAudience = new java.util.HashMap<>(claims);
    otherAudience.put("aud", "not-switchboard");
    List<String> forged = List.of(
        dev.switchboard.testing.fake.FakeIssuer.unsigned(claims),
        DevJwt.sign("a-key-the-attacker-made-of-32-bytes-or-more", claims),
        DevJwt.sign(run.devKey(), otherAudience),
        token.substring(0, token.lastIndexOf('.') + 1));
    long before = db.balance(victim);
    for (String t : forged) {
      for (HttpRoute route : api.routes()) {
        if (!route.authorized()) {
          continue;
        }
        String path = route.path().replace("{id}", java.util.UUID.randomUUID().toString());
        String answer = rawRequest(route.method() + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Authorization: Bearer " + t + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            + "Connection: close\r\n\r\n{}");
        assertTrue(answer.startsWith("HTTP/1.1 401"), route.routeKey() + ": " + answer);
      }
    }
    assertEquals(before, db.balance(victim));
  }

  /** What the tunnel is for: Stripe's signed delivery still reaches the webhook. */
  @Test
  void theStripeWebhook_isStillServedThroughATunnel() throws Exception {
    String body = "{\"id\":\"evt_test_tunnel_" + System.nanoTime() + "\",\"object\":\"event\",\"api_version\":\""
        + com.stripe.Stripe.API_VERSION + "\",\"created\":" + System.currentTimeMillis() / 1000
        + ",\"livemode\":false,\"type\":\"customer.created\",\"data\":{\"object\":{\"id\":\"cus_x\",\"object\":\"customer\"}}}";
    String secret = run.pool("StripeWebhookFunction").orElseThrow().environment().get("STRIPE_WEBHOOK_SECRET");

    HttpResponse<String> delivered = call("POST", "/webhooks/stripe", body, "X-Forwarded-For", "3.18.12.63",
        "Stripe-Signature", StripeSignatures.header(body, secret, Instant.now()));

    assertEquals(200, delivered.statusCode(), delivered.body());
  }

  /** One HTTP/1.1 exchange over a plain socket: java.net.http will not send a Host header of our choosing. */
  private static String rawRequest(String request) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", api.port())) {
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  @Test
  void theSandboxPaysACheckoutSession_throughTheRealWebhook_onceOnly() throws Exception {
    long before = db.balance(DemoOrganization.ORG_ID);
    HttpResponse<String> topUp = call("POST", "/wallet/top-ups", "{\"amountPence\":2500,"
        + "\"successUrl\":\"http://localhost:3000/?top-up=paid\",\"cancelUrl\":\"http://localhost:3000/?top-up=cancelled\"}");
    assertEquals(201, topUp.statusCode(), topUp.body());
    String sessionId = json(topUp).path("sessionId").asText();

    HttpResponse<String> paid = call("POST", "/_local/checkout-sessions/" + sessionId + "/pay", "");

    assertEquals(200, paid.statusCode(), paid.body());
    assertEquals(200, json(paid).path("webhookStatus").asInt());
    assertEquals(before + 2_500, db.balance(DemoOrganization.ORG_ID));
    assertEquals(404, call("POST", "/_local/checkout-sessions/cs_test_unknown/pay", "").statusCode());
    // Stripe takes no second payment for a session: paying again sends nothing
    HttpResponse<String> again = call("POST", "/_local/checkout-sessions/" + sessionId + "/pay", "");
    assertEquals(409, again.statusCode(), again.body());
    assertEquals(before + 2_500, db.balance(DemoOrganization.ORG_ID), "credited once");
  }

  /** docs/openapi.yaml is served for client generators; API Gateway's own 401 is as it documents. */
  @Test
  void theOpenApiDocument_isServed_andTheGatewaysOwn401MatchesIt() throws Exception {
    HttpResponse<String> served = HTTP.send(HttpRequest.newBuilder(URI.create(api.baseUrl() + "/_local/openapi.yaml"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, served.statusCode());
    assertEquals(java.nio.file.Files.readString(LocalTestSupport.PROJECT.resolve("docs/openapi.yaml")), served.body());
    assertTrue(served.headers().firstValue("content-type").orElseThrow().startsWith("application/yaml"));

    OpenApiContract contract = OpenApiContract.load(LocalTestSupport.PROJECT.resolve("docs/openapi.yaml"));
    for (HttpRoute route : api.routes()) {
      if (!route.authorized()) {
        continue;
      }
      HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(
          URI.create(api.baseUrl() + route.path().replace("{id}", java.util.UUID.randomUUID().toString())))
          .method(route.method(), HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(List.of(), contract.problems(route.method(), route.path(), refused.statusCode(),
          OpenApiContract.headersOf(refused), refused.body()), route.routeKey());
    }
    assertTrue(contract.observedOutcomes().contains("GET /wallet 401 gateway"), contract.observedOutcomes().toString());
  }
}
