package dev.switchboard.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonObject;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.stripe.StripeEvents;
import dev.switchboard.testing.stripe.StripeSignatures;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A generated corpus of hostile requests for every HTTP route: wrong types, sizes, unicode,
 * control characters, injection strings, deep nesting, wrong content types, base64 bodies,
 * path parameters, org claims, Idempotency-Keys, and (webhook) mutated bodies and
 * Stripe-Signature headers. Seeded: {@code -Dreliability.seed=N} reproduces a run exactly.
 *
 * <p>Each case states what a correct API answers: a precise 4xx with the error envelope, or,
 * where the mutation leaves a valid request, that request's one correct answer. Never a 5xx,
 * and the database is unchanged except where the expected answer itself writes (named per case).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputTest {
  @RegisterExtension final TestWorld world = TestWorld.providers().asApplicationRole();
  private static final long SEED = Long.getLong("reliability.seed", 20261127L);
  private static final Pattern PROVISION_KEY = Pattern.compile("[\\x21-\\x7E]{1,255}");
  private static final Pattern TOP_UP_KEY = Pattern.compile("[\\x21-\\x7E]{1,128}");
  private static final String PROVISION_BODY =
      "{\"country\":\"US\",\"numberType\":\"local\",\"areaCode\":\"415\",\"direction\":\"inbound\"}";
  private static final String TOP_UP_BODY = "{\"amountPence\":5000}";

  private Rig rig;
  private UUID org;
  private String activeNumber;
  private String listing;
  private final Map<String, int[]> statusesByRoute = new TreeMap<>();

  /** What a case must answer: a status, its error code (null for a 2xx), the tables it may change. */
  record Expect(int status, String code, Set<String> mayChange) {
    static Expect rejected(int status, String code) {
      return new Expect(status, code, Set.of());
    }
  }

  record Case(int index, String route, String mutation, APIGatewayV2HTTPEvent event, Expect expect) {}

  @BeforeAll
  void arrange() {
    System.out.println("HostileInputTest seed: " + SEED + " (reproduce with -Dreliability.seed=" + SEED + ")");
    rig = new Rig(world);
    org = rig.eventOrg();
    activeNumber = rig.provisioned(org, "inbound");
    rig.world.db.credit(org, 700, "adjustment", "second ledger row");
    listing = rig.listing().handleRequest(Rig.event("events/list-numbers.json", org), null).getBody();
  }

  @AfterAll
  void close() {
    StringBuilder out = new StringBuilder("Hostile corpus, seed " + SEED + ": answers by route\n");
    statusesByRoute.forEach((route, counts) -> {
      out.append(String.format("  %-28s", route));
      for (int status = 0; status < counts.length; status++) {
        if (counts[status] > 0) {
          out.append(' ').append(status).append('×').append(counts[status]);
        }
      }
      out.append('\n');
    });
    System.out.println(out);
    rig.close();
  }

  // ------------------------------------------------------------------ the corpus

  @TestFactory
  Stream<DynamicTest> corpus() {
    Random random = new Random(SEED);
    List<Case> cases = new ArrayList<>();
    cases.addAll(provisionCases(random, 260));
    cases.addAll(searchCases(random, 150));
    cases.addAll(listCases(random, 80));
    cases.addAll(releaseCases(random, 120));
    cases.addAll(topUpCases(random, 200));
    cases.addAll(walletCases(random, 100));
    cases.addAll(webhookCases(random, 320));
    assertTrue(cases.size() >= 1_000, "corpus of " + cases.size());
    Map<String, List<Case>> byRoute = new LinkedHashMap<>();
    cases.forEach(c -> byRoute.computeIfAbsent(c.route(), r -> new ArrayList<>()).add(c));
    return byRoute.entrySet().stream().map(e -> dynamicTest(e.getKey() + " (" + e.getValue().size() + " cases)",
        () -> runAll(e.getValue())));
  }

  private void runAll(List<Case> cases) {
    List<String> failures = new ArrayList<>();
    for (Case c : cases) {
      String failure = run(c);
      if (failure != null) {
        failures.add("#" + c.index() + " " + c.mutation() + ": " + failure);
      }
    }
    assertTrue(failures.isEmpty(), failures.size() + " of " + cases.size() + " cases failed (seed " + SEED + "):\n"
        + String.join("\n", failures.subList(0, Math.min(25, failures.size()))));
  }

  /** Runs one case; null when it answered as expected, else what went wrong. */
  private String run(Case c) {
    Map<String, String> before = Snapshot.of(rig.world.db);
    int providerCalls = providerCalls();
    APIGatewayV2HTTPResponse r;
    try {
      r = handlerFor(c.route()).apply(c.event());
    } catch (Throwable t) {
      return "the handler threw " + t;
    }
    statusesByRoute.computeIfAbsent(c.route(), k -> new int[600])[Math.min(599, Math.max(0, r.getStatusCode()))]++;
    Expect e = c.expect();
    String body = r.getBody() == null ? "" : r.getBody();
    String shown = body.length() > 300 ? body.substring(0, 300) + "…" : body;
    if (r.getStatusCode() != e.status()) {
      return "expected " + e.status() + (e.code() == null ? "" : " " + e.code()) + ", got " + r.getStatusCode() + " " + shown;
    }
    if (e.code() != null) {
      try {
        JsonObject error = Json.parseObject(body).object("error");
        if (!e.code().equals(error.string("code")) || error.string("message").isBlank()) {
          return "expected error code " + e.code() + ", got " + shown;
        }
      } catch (RuntimeException notEnvelope) {
        return "not the error envelope: " + shown;
      }
      if (providerCalls() != providerCalls) {
        return "a rejected request reached a provider";
      }
    }
    List<String> changed = Snapshot.changedTables(before, Snapshot.of(rig.world.db));
    changed.removeAll(e.mayChange());
    if (!changed.isEmpty()) {
      return "the database changed: " + changed + " (answer " + r.getStatusCode() + " " + shown + ")";
    }
    return null;
  }

  private int providerCalls() {
    return rig.world.twilio.journal().size() + rig.world.vapi.journal().size() + rig.stripe.journal().size();
  }

  /** One handler per function, built once, as one warm Lambda container serves every request. */
  private Function<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handlerFor(String route) {
    return handlers.computeIfAbsent(route, r -> switch (r) {
      case "POST /phone-numbers", "GET /phone-numbers/available" -> {
        var h = rig.provisioning(SagaHooks.NONE);
        yield e -> h.handleRequest(e, null);
      }
      case "GET /phone-numbers" -> {
        var h = rig.listing();
        yield e -> h.handleRequest(e, null);
      }
      case "DELETE /phone-numbers/{id}" -> {
        var h = rig.releasing(SagaHooks.NONE);
        yield e -> h.handleRequest(e, null);
      }
      case "POST /wallet/top-ups", "GET /wallet" -> {
        var h = rig.wallet();
        yield e -> h.handleRequest(e, null);
      }
      case "POST /webhooks/stripe" -> {
        var h = rig.webhook();
        yield e -> h.handleRequest(e, null);
      }
      default -> throw new IllegalArgumentException(r);
    });
  }

  private final Map<String, Function<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> handlers = new HashMap<>();

  // ------------------------------------------------------------------ JSON body mutations

  /** A flat JSON object kept as field name → JSON text, so any value (even invalid) can be placed. */
  private static String object(Map<String, String> fields) {
    StringBuilder sb = new StringBuilder("{");
    fields.forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append(Json.write(k)).append(':').append(v));
    return sb.append('}').toString();
  }

  private static Map<String, String> fields(String json) {
    Map<String, String> out = new LinkedHashMap<>();
    Json.parseObject(json).asMap().forEach((k, v) -> out.put(k, Json.write(v)));
    return out;
  }

  /**
   * One mutation of a JSON body route. {@code optional}: fields whose JSON null means "absent";
   * {@code valid}: what the route answers to a valid request.
   */
  private record BodyMutation(String description, String body, String contentType, boolean base64, Expect expect) {}

  private static BodyMutation mutateBody(Random random, String validBody, Set<String> required, Expect valid) {
    Map<String, String> fields = fields(validBody);
    List<String> names = new ArrayList<>(fields.keySet());
    Expect invalid = Expect.rejected(400, "invalid_request");
    int op = random.nextInt(12);
    switch (op) {
      case 0, 1, 2 -> {
        String field = Hostile.pick(random, names);
        String value = Hostile.jsonValue(random);
        fields.put(field, value);
        boolean absent = value.equals("null") && !required.contains(field);
        return new BodyMutation("field " + field + " = " + abbreviate(value), object(fields), "application/json", false,
            absent ? valid : invalid);
      }
      case 3 -> {
        String field = Hostile.unknownField(random);
        fields.put(field, Hostile.jsonValue(random));
        return new BodyMutation("unknown field " + abbreviate(field), object(fields), "application/json", false, invalid);
      }
      case 4 -> {
        String field = Hostile.pick(random, names);
        fields.remove(field);
        return new BodyMutation("without " + field, object(fields), "application/json", false,
            required.contains(field) ? invalid : valid);
      }
      case 5 -> {
        String field = Hostile.pick(random, names);
        String body = validBody.substring(0, validBody.length() - 1) + "," + Json.write(field) + ":" + fields.get(field) + "}";
        return new BodyMutation("duplicate " + field, body, "application/json", false, invalid);
      }
      case 6 -> {
        int cut = random.nextInt(validBody.length());
        return new BodyMutation("truncated at " + cut, validBody.substring(0, cut), "application/json", false, invalid);
      }
      case 7 -> {
        String value = Hostile.jsonValue(random);
        return new BodyMutation("body " + abbreviate(value), value, "application/json", false,
            value.equals("{\"country\":\"US\"}") && required.equals(Set.of("country")) ? valid : invalid);
      }
      case 8 -> {
        int at = validBody.indexOf('"') + 2;
        char control = (char) random.nextInt(0x20);
        return new BodyMutation("raw control character U+" + String.format("%04X", (int) control) + " in a string",
            validBody.substring(0, at) + control + validBody.substring(at), "application/json", false, invalid);
      }
      case 9 -> {
        String padded = validBody.substring(0, validBody.length() - 1) + " ".repeat(70_000) + "}";
        return new BodyMutation("70 KB body", padded, "application/json", false,
            Expect.rejected(413, "payload_too_large"));
      }
      case 10 -> {
        String type = Hostile.pick(random, List.of("text/plain", "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x", "application/xml", "text/html; charset=utf-8", "image/png"));
        return new BodyMutation("content-type " + type, validBody, type, false,
            Expect.rejected(415, "unsupported_media_type"));
      }
      default -> {
        if (random.nextBoolean()) {
          String encoded = Base64.getEncoder().encodeToString(validBody.getBytes(StandardCharsets.UTF_8));
          return new BodyMutation("valid body, base64-encoded", encoded, "application/json", true, valid);
        }
        String junk = Hostile.string(random) + "!";
        return new BodyMutation("isBase64Encoded with a non-base64 body", junk, "application/json", true, invalid);
      }
    }
  }

  private static String abbreviate(String s) {
    StringBuilder printable = new StringBuilder();
    s.codePoints().limit(40).forEach(cp -> printable.append(
        cp < 0x20 || cp == 0x7F ? String.format("\\u%04x", cp) : new String(Character.toChars(cp))));
    return s.codePointCount(0, s.length()) > 40 ? printable + "…(" + s.length() + ")" : printable.toString();
  }

  private static void apply(APIGatewayV2HTTPEvent e, BodyMutation m) {
    e.setBody(m.body());
    e.setIsBase64Encoded(m.base64());
    e.getHeaders().put("content-type", m.contentType());
  }

  // ------------------------------------------------------------------ claims and routes

  /** The org claim mutated: missing, not an id (401), or an org with no row (404). */
  private static Expect mutateClaim(Random random, APIGatewayV2HTTPEvent e, List<String> description) {
    Map<String, String> claims = e.getRequestContext().getAuthorizer().getJwt().getClaims();
    switch (random.nextInt(3)) {
      case 0 -> {
        claims.remove("org_id");
        description.add("no org claim");
        return Expect.rejected(401, "unauthorized");
      }
      case 1 -> {
        String value = Hostile.string(random);
        claims.put("org_id", value);
        description.add("org claim " + abbreviate(value));
        return Expect.rejected(401, "unauthorized");
      }
      default -> {
        claims.put("org_id", UUID.randomUUID().toString());
        description.add("org claim of an org with no row");
        return Expect.rejected(404, "org_not_found");
      }
    }
  }

  // ------------------------------------------------------------------ routes

  private List<Case> provisionCases(Random random, int n) {
    String route = "POST /phone-numbers";
    // the org holds an active inbound number: a valid inbound request is 409 and changes nothing
    Expect valid = Expect.rejected(409, "number_exists");
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      APIGatewayV2HTTPEvent e = Rig.provisionEvent(org, "inbound", null);
      List<String> what = new ArrayList<>();
      Expect expect;
      switch (random.nextInt(10)) {
        case 0 -> expect = mutateClaim(random, e, what);
        case 1 -> {
          String key = Hostile.string(random);
          e.getHeaders().put("idempotency-key", key);
          what.add("Idempotency-Key " + abbreviate(key));
          // a valid key records the refusal, so a retry gets the same answer
          expect = PROVISION_KEY.matcher(key).matches()
              ? new Expect(409, "number_exists", Set.of("idempotency_keys")) : Expect.rejected(400, "invalid_request");
        }
        case 2 -> {
          String routeKey = Hostile.pick(random, List.of("PATCH /phone-numbers", "PUT /phone-numbers",
              "POST /phone-numbers/../wallet/top-ups", "POST /phone-numbers/" + activeNumber));
          e.setRouteKey(routeKey);
          what.add("route " + routeKey);
          expect = Expect.rejected(404, "not_found");
        }
        default -> {
          BodyMutation m = mutateBody(random, PROVISION_BODY, Set.of("country"), valid);
          apply(e, m);
          what.add(m.description());
          expect = m.expect();
        }
      }
      cases.add(new Case(i, route, String.join(", ", what), e, expect));
    }
    return cases;
  }

  private List<Case> searchCases(Random random, int n) {
    String route = "GET /phone-numbers/available";
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      APIGatewayV2HTTPEvent e = Rig.event("events/search-available-numbers.json", org);
      Map<String, String> query = new HashMap<>(Map.of("country", "US", "numberType", "local", "areaCode", "415", "limit", "5"));
      List<String> what = new ArrayList<>();
      Expect expect = Expect.rejected(400, "invalid_request");
      switch (random.nextInt(6)) {
        case 0 -> expect = mutateClaim(random, e, what);
        case 1 -> {
          String name = Hostile.unknownField(random);
          query.put(name, Hostile.string(random));
          what.add("unknown parameter " + abbreviate(name));
        }
        case 2 -> {
          query.remove("country");
          what.add("without country");
        }
        default -> {
          String name = Hostile.pick(random, List.of("country", "numberType", "areaCode", "limit"));
          String value = Hostile.string(random);
          query.put(name, value);
          what.add(name + " = " + abbreviate(value));
        }
      }
      e.setQueryStringParameters(query);
      cases.add(new Case(i, route, String.join(", ", what), e, expect));
    }
    return cases;
  }

  private List<Case> listCases(Random random, int n) {
    String route = "GET /phone-numbers";
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      APIGatewayV2HTTPEvent e = Rig.event("events/list-numbers.json", org);
      List<String> what = new ArrayList<>();
      Expect expect;
      switch (random.nextInt(3)) {
        case 0 -> expect = mutateClaim(random, e, what);
        case 1 -> {
          // the listing takes no query parameters: one it does not know is an error, not ignored
          e.setQueryStringParameters(new HashMap<>(Map.of(Hostile.unknownField(random), Hostile.string(random))));
          what.add("unknown query parameter");
          expect = Expect.rejected(400, "invalid_request");
        }
        default -> {
          // the listing reads no body: junk there leaves a valid request
          e.setBody(Hostile.jsonValue(random));
          e.getHeaders().put("content-type", "text/plain");
          what.add("junk body and content-type");
          expect = new Expect(200, null, Set.of());
        }
      }
      cases.add(new Case(i, route, String.join(", ", what), e, expect));
    }
    return cases;
  }

  private List<Case> releaseCases(Random random, int n) {
    String route = "DELETE /phone-numbers/{id}";
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<String> what = new ArrayList<>();
      Expect expect = Expect.rejected(404, "not_found");
      String id = switch (random.nextInt(6)) {
        case 0 -> UUID.randomUUID().toString();
        case 1 -> activeNumber + Hostile.pick(random, List.of("/..", "\u0000", " ", "%00", "/", "'--", ".json"));
        case 2 -> Hostile.pick(random, List.of("../", " ", "./", "%20", "..%2F")) + activeNumber;
        case 3 -> activeNumber.replace("-", "");
        default -> Hostile.string(random);
      };
      APIGatewayV2HTTPEvent e = Rig.releaseEvent(org, id);
      what.add("id " + abbreviate(id));
      if (random.nextInt(5) == 0) {
        e.setPathParameters(null);
        what.add("no path parameters");
      }
      if (random.nextInt(5) == 0) {
        e = Rig.releaseEvent(org, activeNumber);
        what.clear();
        expect = mutateClaim(random, e, what);
        what.add("the org's real number");
      }
      cases.add(new Case(i, route, String.join(", ", what), e, expect));
    }
    return cases;
  }

  private List<Case> topUpCases(Random random, int n) {
    String route = "POST /wallet/top-ups";
    // a valid top-up opens a Checkout session at Stripe and writes nothing but the org's count of top-ups
    Expect valid = new Expect(201, null, Set.of("org_rate_limits"));
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      APIGatewayV2HTTPEvent e = Rig.event("events/wallet-top-up.json", org);
      e.getHeaders().remove("idempotency-key");
      List<String> what = new ArrayList<>();
      Expect expect;
      switch (random.nextInt(10)) {
        case 0 -> expect = mutateClaim(random, e, what);
        case 1 -> {
          String key = Hostile.string(random);
          e.getHeaders().put("idempotency-key", key);
          what.add("Idempotency-Key " + abbreviate(key));
          expect = TOP_UP_KEY.matcher(key).matches() ? valid : Expect.rejected(400, "invalid_request");
        }
        case 2, 3 -> {
          String field = Hostile.pick(random, List.of("successUrl", "cancelUrl"));
          String value = random.nextBoolean() ? Hostile.jsonValue(random)
              : Json.write(Hostile.pick(random, List.of("javascript:alert(1)", "http://evil.example/", "//evil.example",
                  "https://", "file:///etc/passwd", "data:text/html,<script>", "https://app.example.com/\r\nX: 1",
                  // foreign return origins: the Rig allows only its defaults' origin, app.example.com
                  "https://evil.example/phish", "https://app.example.com.evil.example/", "https://app.example.com:8443/",
                  "https://evil.example/?u=https://app.example.com/")));
          e.setBody("{\"amountPence\":5000," + Json.write(field) + ":" + value + "}");
          what.add(field + " = " + abbreviate(value));
          expect = value.equals("null") ? valid : Expect.rejected(400, "invalid_request");
        }
        default -> {
          BodyMutation m = mutateBody(random, TOP_UP_BODY, Set.of("amountPence"), valid);
          apply(e, m);
          what.add(m.description());
          expect = m.expect();
        }
      }
      cases.add(new Case(i, route, String.join(", ", what), e, expect));
    }
    return cases;
  }

  private List<Case> walletCases(Random random, int n) {
    String route = "GET /wallet";
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      APIGatewayV2HTTPEvent e = Rig.event("events/wallet-get.json", org);
      Map<String, String> query = new HashMap<>(Map.of("limit", "20"));
      List<String> what = new ArrayList<>();
      Expect expect = Expect.rejected(400, "invalid_request");
      switch (random.nextInt(4)) {
        case 0 -> expect = mutateClaim(random, e, what);
        case 1 -> {
          // a parameter the statement does not know is refused, as search refuses one
          String name = Hostile.unknownField(random);
          query.put(name, Hostile.string(random));
          what.add("unknown parameter " + abbreviate(name));
          expect = Expect.rejected(400, "invalid_request");
        }
        default -> {
          String name = Hostile.pick(random, List.of("limit", "cursor"));
          String value = random.nextBoolean() ? Hostile.string(random) : Hostile.jsonValue(random);
          query.put(name, value);
          what.add(name + " = " + abbreviate(value));
        }
      }
      e.setQueryStringParameters(query);
      cases.add(new Case(i, route, String.join(", ", what), e, expect));
    }
    return cases;
  }

  // ------------------------------------------------------------------ the webhook

  private List<Case> webhookCases(Random random, int n) {
    String route = "POST /webhooks/stripe";
    Expect badSignature = Expect.rejected(400, "invalid_signature");
    Expect badPayload = Expect.rejected(400, "invalid_payload");
    // a correctly signed event that must not be applied: acknowledged, recorded ignored, no money moves
    Expect ignored = new Expect(200, null, Set.of("stripe_webhook_events"));
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String body = rig.stripeEvents.checkoutSessionCompleted(StripeEvents.id("evt"), StripeEvents.topUp(org, 2500));
      String signature = StripeSignatures.header(body, Rig.WEBHOOK_SECRET, Rig.NOW);
      APIGatewayV2HTTPEvent e;
      String what;
      Expect expect;
      switch (random.nextInt(4)) {
        case 0 -> {
          String mutated = mutateText(random, body);
          e = Rig.stripeDelivery(mutated, signature);
          what = "body changed after signing";
          expect = badSignature;
        }
        case 1 -> {
          String header = mutateSignature(random, body);
          e = Rig.stripeDelivery(body, header);
          what = "Stripe-Signature " + abbreviate(String.valueOf(header));
          expect = badSignature;
        }
        case 2 -> {
          String notAnEvent = notAnEvent(random, body);
          boolean huge = notAnEvent.length() > 1024 * 1024;
          e = Rig.stripeDelivery(notAnEvent);
          what = "signed non-event " + abbreviate(notAnEvent);
          expect = huge ? Expect.rejected(413, "payload_too_large") : badPayload;
          if (random.nextInt(8) == 0) {
            e.setIsBase64Encoded(true);
            e.setBody(Hostile.string(random) + "*");
            what = "isBase64Encoded with a non-base64 body";
            expect = badPayload;
          }
        }
        default -> {
          String hostile = hostileEvent(random);
          e = Rig.stripeDelivery(hostile);
          what = "signed event with a hostile " + lastHostileField;
          // our parser refuses JSON nested deeper than 32: that event is unreadable, not ignorable
          expect = lastHostileTooDeep ? badPayload : ignored;
          if (random.nextInt(6) == 0) {
            e.getHeaders().remove("stripe-signature");
            e.getHeaders().put("STRIPE-SIGNATURE", StripeSignatures.header(hostile, Rig.WEBHOOK_SECRET, Rig.NOW));
            what += ", header name in capitals";
          }
        }
      }
      cases.add(new Case(i, route, what, e, expect));
    }
    return cases;
  }

  /** A valid request of the org on each route behind the JWT authorizer. */
  private Map<String, APIGatewayV2HTTPEvent> jwtRouteEvents() {
    Map<String, APIGatewayV2HTTPEvent> events = new LinkedHashMap<>();
    events.put("POST /phone-numbers", Rig.provisionEvent(org, "outbound", null));
    events.put("GET /phone-numbers/available", Rig.event("events/search-available-numbers.json", org));
    events.put("GET /phone-numbers", Rig.event("events/list-numbers.json", org));
    events.put("DELETE /phone-numbers/{id}", Rig.releaseEvent(org, activeNumber));
    events.put("POST /wallet/top-ups", Rig.event("events/wallet-top-up.json", org));
    events.put("GET /wallet", Rig.event("events/wallet-get.json", org));
    return events;
  }

  /**
   * Crafted claims: with a nested org claim (app_metadata.org_id), values that can be
   * read two ways, on every JWT route, are 401 and change nothing, whichever org they name.
   */
  @Test
  void craftedNestedOrgClaims_are401OnEveryRoute_andChangeNothing() {
    Map<String, String> env = new HashMap<>(rig.env());
    env.put("ORG_ID_CLAIM", "app_metadata.org_id");
    dev.switchboard.config.Settings nested = dev.switchboard.config.Settings.of(env);
    var provisioning = new dev.switchboard.function.provision.ProvisionNumberHandler(nested, SagaHooks.NONE);
    var listing = new dev.switchboard.function.listnumbers.ListNumbersHandler(dev.switchboard.wiring.Platform.from(nested));
    var releasing = new dev.switchboard.function.release.ReleaseNumberHandler(nested, SagaHooks.NONE);
    var wallet = new dev.switchboard.function.wallet.WalletHandler(dev.switchboard.wiring.Platform.from(nested));
    UUID victim = rig.otherOrg("Victim Dental");
    String realOrg = org.toString();
    List<String> crafted = List.of(
        "map[display_name:x org_id:" + victim + " org_id:" + realOrg + "]",
        "map[org_id:" + victim + " org_id:" + realOrg + "]",
        "map[name:a org_id:" + victim + " b]",
        "map[org_id:" + victim + ":x]",
        "map[org_id:[" + victim + "]]",
        "map[org_id:" + victim + "] org_id:" + realOrg,
        "{\"org_id\":{\"org_id\":\"" + victim + "\"}}",
        "{\"org_id\":[\"" + victim + "\"]}",
        "{\"org_id\":\"" + victim + " " + realOrg + "\"}");
    int cases = 0;
    for (String claim : crafted) {
      for (boolean literalBeside : List.of(false, true)) {
        for (Map.Entry<String, APIGatewayV2HTTPEvent> e : jwtRouteEvents().entrySet()) {
          Map<String, String> claims = e.getValue().getRequestContext().getAuthorizer().getJwt().getClaims();
          claims.remove("org_id");
          claims.put("app_metadata", claim);
          if (literalBeside) {
            claims.put("app_metadata.org_id", victim.toString());
          }
          Function<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler = switch (e.getKey()) {
            case "POST /phone-numbers", "GET /phone-numbers/available" -> ev -> provisioning.handleRequest(ev, null);
            case "GET /phone-numbers" -> ev -> listing.handleRequest(ev, null);
            case "DELETE /phone-numbers/{id}" -> ev -> releasing.handleRequest(ev, null);
            default -> ev -> wallet.handleRequest(ev, null);
          };
          Map<String, String> before = Snapshot.of(rig.world.db);
          APIGatewayV2HTTPResponse r = handler.apply(e.getValue());
          String where = e.getKey() + " with app_metadata " + abbreviate(claim) + (literalBeside ? " and a literal claim" : "");
          assertEquals(401, r.getStatusCode(), where + ": " + r.getBody());
          assertEquals("unauthorized", Json.parseObject(r.getBody()).object("error").string("code"), where);
          assertEquals(List.of(), Snapshot.changedTables(before, Snapshot.of(rig.world.db)), where);
          cases++;
        }
      }
    }
    assertEquals(crafted.size() * 2 * 6, cases);
  }

  /**
   * Bursts: one organisation searching past its limit gets 429 with Retry-After
   * before Twilio is called; another organisation searches on; only the limit's row changes.
   */
  @Test
  void aBurstOfSearchesOverTheLimit_is429ForThatOrgOnly() {
    UUID burster = rig.otherOrg("Burst Dental");
    UUID bystander = rig.otherOrg("Bystander Dental");
    var search = handlerFor("GET /phone-numbers/available");
    int limit = (int) dev.switchboard.numbers.NumberSettings.DEFAULT_SEARCHES_PER_MINUTE;
    int refused = 0;
    for (int i = 0; i < limit + 15; i++) {
      Map<String, String> before = Snapshot.of(rig.world.db);
      long searches = rig.world.twilio.count(dev.switchboard.testing.fake.FakeTwilio.SEARCH_LOCAL);
      APIGatewayV2HTTPResponse r = search.apply(Rig.event("events/search-available-numbers.json", burster));
      if (i < limit) {
        assertEquals(200, r.getStatusCode(), "search " + i + ": " + r.getBody());
        continue;
      }
      refused++;
      assertEquals(429, r.getStatusCode(), "search " + i + ": " + r.getBody());
      assertEquals("rate_limited", Json.parseObject(r.getBody()).object("error").string("code"));
      assertTrue(Integer.parseInt(r.getHeaders().get("retry-after")) >= 1, r.getHeaders().toString());
      assertEquals(searches, rig.world.twilio.count(dev.switchboard.testing.fake.FakeTwilio.SEARCH_LOCAL), "no Twilio call");
      assertEquals(List.of(), Snapshot.changedTables(before, Snapshot.of(rig.world.db)), "a refusal writes nothing");
    }
    assertEquals(15, refused);
    assertEquals(200, search.apply(Rig.event("events/search-available-numbers.json", bystander)).getStatusCode());
  }

  /** GET /wallet (and every route but search) used to ignore a query parameter it did not know. */
  @Test
  void anUnknownQueryParameter_isRefusedOnEveryRoute_andChangesNothing() {
    Map<String, APIGatewayV2HTTPEvent> routes = jwtRouteEvents();
    routes.put("POST /webhooks/stripe", Rig.stripeDelivery(
        rig.stripeEvents.checkoutSessionCompleted(StripeEvents.id("evt"), StripeEvents.topUp(org, 2500))));
    routes.forEach((route, e) -> {
      Map<String, String> query = new HashMap<>(e.getQueryStringParameters() == null ? Map.of() : e.getQueryStringParameters());
      query.put("limt", "5");
      e.setQueryStringParameters(query);
      String failure = run(new Case(0, route, "unknown query parameter limt", e, Expect.rejected(400, "invalid_request")));
      assertEquals(null, failure, route);
    });
  }

  /**
   * PostgreSQL stores no U+0000. A correctly signed event holding one cannot be applied, and
   * no retry can change what it says: it is answered 200 and recorded ignored (with U+FFFD in
   * its place), so Stripe stops retrying and the ignored-events alarm shows it. No money moves.
   */
  @Test
  void webhook_signedEventContainingNul_isRecordedIgnored_andMovesNoMoney() {
    Map<String, String> before = Snapshot.of(rig.world.db);
    for (StripeEvents.TopUp topUp : List.of(StripeEvents.topUp(org, 2500).withOrg("a\u0000b"),
        StripeEvents.topUp(org, 2500).withPaymentStatus("paid\u0000"))) {
      String eventId = StripeEvents.id("evt");
      String body = rig.stripeEvents.checkoutSessionCompleted(eventId, topUp);
      for (int delivery = 0; delivery < 2; delivery++) {
        APIGatewayV2HTTPResponse r = handlerFor("POST /webhooks/stripe").apply(Rig.stripeDelivery(body));
        assertEquals(200, r.getStatusCode(), r.getBody());
      }
      Map<String, Object> row = rig.world.db.row(
          "SELECT status, ignored_reason FROM stripe_webhook_events WHERE event_id = ?", eventId);
      assertEquals("ignored", row.get("status"));
      assertTrue(row.get("ignored_reason").toString().startsWith("unsupported_characters:"), row.toString());
    }
    assertEquals(List.of("stripe_webhook_events"), Snapshot.changedTables(before, Snapshot.of(rig.world.db)));
    assertEquals(rig.world.db.ledgerSum(org), rig.world.db.balance(org));
  }

  /** Changes the signed text: a character replaced, a hostile string inserted, cut, or whitespace added. */
  private static String mutateText(Random random, String body) {
    int at = random.nextInt(body.length());
    String mutated = switch (random.nextInt(4)) {
      case 0 -> body.substring(0, at) + (body.charAt(at) == 'x' ? 'y' : 'x') + body.substring(at + 1);
      case 1 -> body.substring(0, at) + Hostile.string(random) + body.substring(at);
      case 2 -> body.substring(0, at);
      default -> body.replace("\"amount_total\" : 2500", "\"amount_total\" : 250000") + "\n";
    };
    return mutated.equals(body) ? body + " " : mutated;
  }

  private static String mutateSignature(Random random, String body) {
    long t = Rig.NOW.getEpochSecond();
    String right = StripeSignatures.header(body, Rig.WEBHOOK_SECRET, Rig.NOW);
    String v1 = right.substring(right.indexOf("v1=") + 3);
    return switch (random.nextInt(10)) {
      case 0 -> null;
      case 1 -> Hostile.string(random);
      case 2 -> StripeSignatures.header(body, "whsec_someone_elses_secret", Rig.NOW);
      case 3 -> StripeSignatures.header(body, Rig.WEBHOOK_SECRET, Rig.NOW.minusSeconds(301));
      case 4 -> StripeSignatures.header(body, Rig.WEBHOOK_SECRET, Rig.NOW.minusSeconds(3_600));
      case 5 -> "v1=" + v1;
      case 6 -> "t=" + t + ",v0=" + v1;
      case 7 -> "t=" + Hostile.string(random) + ",v1=" + v1;
      case 8 -> "t=" + t + ",v1=" + v1.substring(0, 63) + (v1.charAt(63) == '0' ? '1' : '0');
      default -> "t=" + t + ",v1=" + Hostile.string(random);
    };
  }

  /** Signed bodies that are no Stripe event at all. */
  private static String notAnEvent(Random random, String body) {
    Map<String, Object> event = new LinkedHashMap<>(Json.parseObject(body).asMap());
    return switch (random.nextInt(9)) {
      case 0 -> Hostile.string(random);
      case 1 -> Hostile.pick(random, Hostile.JSON_VALUES);
      case 2 -> {
        event.remove("id");
        yield Json.write(event);
      }
      case 3 -> {
        event.put("id", Hostile.string(random));
        yield Json.write(event);
      }
      case 4 -> {
        event.remove("type");
        yield Json.write(event);
      }
      case 5 -> {
        event.put("data", Hostile.pick(random, List.of("[]", "\"x\"", "1")));
        yield Json.write(event).replace("\"data\":\"[]\"", "\"data\":[]");
      }
      case 6 -> {
        event.put("object", "charge");
        yield Json.write(event);
      }
      case 7 -> body.substring(0, body.length() / 2);
      default -> "{\"id\":\"evt_big\",\"pad\":\"" + "x".repeat(1024 * 1024 + 10) + "\"}";
    };
  }

  private String lastHostileField = "";
  private boolean lastHostileTooDeep;

  /** A well-formed, correctly signed event with one hostile value: nothing may be credited. */
  private String hostileEvent(Random random) {
    // U+0000 is left out here: see webhook_signedEventContainingNul_isRefusedWith4xx (a known bug)
    List<String> withoutNul = Hostile.STRINGS.stream().filter(v -> v.indexOf(0) < 0).toList();
    String value = withoutNul.get(random.nextInt(withoutNul.size()));
    lastHostileTooDeep = false;
    StripeEvents.TopUp topUp = StripeEvents.topUp(org, 2500);
    String id = StripeEvents.id("evt");
    switch (random.nextInt(7)) {
      case 0 -> {
        lastHostileField = "type " + abbreviate(value);
        Map<String, Object> event = new LinkedHashMap<>(Json.parseObject(rig.stripeEvents.checkoutSessionCompleted(id, topUp)).asMap());
        event.put("type", value);
        return Json.write(event);
      }
      case 1 -> {
        lastHostileField = "api_version " + abbreviate(value);
        return rig.stripeEvents.inApiVersion(value).checkoutSessionCompleted(id, topUp);
      }
      case 2 -> {
        lastHostileField = "metadata.org_id " + abbreviate(value);
        return rig.stripeEvents.checkoutSessionCompleted(id, topUp.withOrg(value));
      }
      case 3 -> {
        lastHostileField = "metadata.type " + abbreviate(value);
        return rig.stripeEvents.checkoutSessionCompleted(id, topUp.withType(value));
      }
      case 4 -> {
        lastHostileField = "currency " + abbreviate(value);
        return rig.stripeEvents.checkoutSessionCompleted(id, topUp.withCurrency(value));
      }
      case 5 -> {
        lastHostileField = "payment_status " + abbreviate(value);
        return rig.stripeEvents.checkoutSessionCompleted(id, topUp.withPaymentStatus(value));
      }
      default -> {
        String json = Hostile.jsonValue(random).replace("\\u0000", "\\u0001");
        lastHostileField = "amount_total " + abbreviate(json);
        lastHostileTooDeep = json.startsWith("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[") || json.startsWith("{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":");
        String event = rig.stripeEvents.checkoutSessionCompleted(id, topUp);
        return event.replace("\"amount_total\" : 2500", "\"amount_total\" : " + json);
      }
    }
  }

  /** Per table: its row count and a digest of every row, to tell exactly what a request changed. */
  static final class Snapshot {
    private static final List<String> TABLES = List.of("organizations", "twilio_subaccounts", "twilio_addresses",
        "managed_phone_numbers", "org_credentials", "phone_number_mapping", "agents", "credit_transactions",
        "stripe_webhook_events", "idempotency_keys", "org_rate_limits");

    static Map<String, String> of(dev.switchboard.testing.TestData db) {
      StringBuilder sql = new StringBuilder("SELECT ");
      for (int i = 0; i < TABLES.size(); i++) {
        String t = TABLES.get(i);
        sql.append(i == 0 ? "" : ", ").append("(SELECT count(*) || ':' || md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM ")
            .append(t).append(" x) AS ").append(t);
      }
      Map<String, String> out = new LinkedHashMap<>();
      db.row(sql.toString()).forEach((k, v) -> out.put(k, String.valueOf(v)));
      return out;
    }

    static List<String> changedTables(Map<String, String> before, Map<String, String> after) {
      List<String> changed = new ArrayList<>();
      before.forEach((table, digest) -> {
        if (!digest.equals(after.get(table))) {
          changed.add(table);
        }
      });
      return changed;
    }
  }
}
