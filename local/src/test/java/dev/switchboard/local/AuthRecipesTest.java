package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.nimbusds.jose.JWSAlgorithm;
import dev.switchboard.config.Settings;
import dev.switchboard.function.authorizer.AuthorizerHandler;
import dev.switchboard.function.listnumbers.ListNumbersHandler;
import dev.switchboard.function.release.ReleaseNumberHandler;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.testing.LambdaContext;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.auth.ProviderTokens;
import dev.switchboard.testing.fake.FakeIssuer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every recipe of docs/auth.md, end to end: a token shaped as that identity provider issues it
 * (header, kid, iss and aud formats, claim layout), signed with keys made here and published
 * by a fake issuer over HTTP, sent through the mode the recipe names (API Gateway's JWT
 * authorizer as the local API emulates it, or our AuthorizerFunction with API Gateway's Lambda
 * authorizer contract) to the real list and release handlers on PostgreSQL.
 *
 * <p>Each recipe: 200 for its own organisation; 404 for another organisation's number; and
 * refused before any function runs (401 by API Gateway's JWT authorizer, 403 for our Lambda
 * authorizer's {@code isAuthorized: false}) when expired, for another audience or issuer,
 * tampered, with the {@code alg} swapped, unsigned ({@code alg: none}), HMAC-signed with the
 * issuer's RSA public key, or oversize; 401 without a token at all.
 */
class AuthRecipesTest {
  private static final Instant NOW = Instant.now();
  @RegisterExtension static final TestWorld WORLD = TestWorld.providers();
  private static FakeIssuer issuer;
  private static UUID ownOrg;
  private static UUID otherOrg;
  private static UUID otherOrgsNumber;

  @BeforeAll
  static void world() {
    ownOrg = WORLD.db().organization("Own Clinic");
    otherOrg = WORLD.db().organization("Other Clinic");
    otherOrgsNumber = UUID.randomUUID();
    WORLD.db().update("""
        INSERT INTO managed_phone_numbers (id, org_id, country_code, number_type, routing_direction, price_pence)
        VALUES (?, ?, 'US', 'local', 'inbound', 0)""", otherOrgsNumber, otherOrg);
    issuer = new FakeIssuer("/.well-known/jwks.json");
    issuer.addEcKey("8f6a1c2e-5b3d-4e7f-9a0b-1c2d3e4f5a6b", JWSAlgorithm.ES256);       // Supabase signing key
    issuer.addRsaKey("2e1f4d3c-6b5a-4978-8a9b-0c1d2e3f4a5b", JWSAlgorithm.RS256);      // Supabase RSA signing key
    issuer.addRsaKey("NkJCQzJFQjQ1RjY3Nzg5MDEyMzQ1Njc4OUFCQ0RFRg", JWSAlgorithm.RS256); // Auth0
    issuer.addRsaKey("abcdEFGHijklMNOPqrstUVWXyz0123456789+/AbCdE=", JWSAlgorithm.RS256); // Cognito
    issuer.addRsaKey("ins_2ZxQk9oLmNpRsTuVwXyZaBcDeFg", JWSAlgorithm.RS256);            // Clerk
  }

  @AfterAll
  static void stop() {
    issuer.close();
  }

  /** One recipe of docs/auth.md: its mode, its settings, and how its provider shapes a token. */
  record Recipe(String name, String mode, Map<String, String> settings, String orgClaim,
      Function<Map<String, Object>, String> sign, Function<UUID, Map<String, Object>> claims, String refusedAlgSwap) {
    @Override
    public String toString() {
      return name + " (" + mode + " mode)";
    }
  }

  static final String SUPABASE_REF = "abcdefghijklmnopqrst";
  static final String SUPABASE_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long";
  static final String AUTH0_CLAIM = "https://switchboard.example.com/org_id";

  static Stream<Recipe> recipes() {
    String supabase = ProviderTokens.supabaseIssuer(SUPABASE_REF);
    String auth0 = ProviderTokens.auth0Issuer("clinic");
    String cognito = ProviderTokens.cognitoIssuer("eu-west-2", "eu-west-2_AbCdEf123");
    String clerk = ProviderTokens.clerkIssuer("clinic.example");
    Duration hour = Duration.ofHours(1);
    return Stream.of(
        new Recipe("Supabase, legacy JWT secret (HS256)", "lambda", Map.of(
            "AUTHORIZER_ISSUER", supabase, "AUTHORIZER_AUDIENCE", "authenticated", "AUTHORIZER_ALGORITHMS", "HS256",
            "AUTHORIZER_HS256_SECRET", SUPABASE_SECRET), "org_id",
            c -> FakeIssuer.hmac(SUPABASE_SECRET, ProviderTokens.supabaseLegacyHeader(), c),
            org -> ProviderTokens.supabaseUser(supabase, UUID.randomUUID(), org, NOW, hour),
            "{\"alg\":\"HS512\",\"typ\":\"JWT\"}"),
        new Recipe("Supabase, signing keys (ES256)", "lambda", Map.of(
            "AUTHORIZER_ISSUER", supabase, "AUTHORIZER_AUDIENCE", "authenticated", "AUTHORIZER_ALGORITHMS", "ES256,RS256",
            "AUTHORIZER_JWKS_URL", issuer.jwksUrl()), "org_id",
            c -> issuer.sign(ProviderTokens.supabaseSigningKeyHeader(JWSAlgorithm.ES256,
                "8f6a1c2e-5b3d-4e7f-9a0b-1c2d3e4f5a6b"), c),
            org -> ProviderTokens.supabaseUser(supabase, UUID.randomUUID(), org, NOW, hour),
            "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"8f6a1c2e-5b3d-4e7f-9a0b-1c2d3e4f5a6b\"}"),
        new Recipe("Supabase, signing keys (RS256)", "lambda", Map.of(
            "AUTHORIZER_ISSUER", supabase, "AUTHORIZER_AUDIENCE", "authenticated", "AUTHORIZER_ALGORITHMS", "ES256,RS256",
            "AUTHORIZER_JWKS_URL", issuer.jwksUrl()), "org_id",
            c -> issuer.sign(ProviderTokens.supabaseSigningKeyHeader(JWSAlgorithm.RS256,
                "2e1f4d3c-6b5a-4978-8a9b-0c1d2e3f4a5b"), c),
            org -> ProviderTokens.supabaseUser(supabase, UUID.randomUUID(), org, NOW, hour),
            "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"2e1f4d3c-6b5a-4978-8a9b-0c1d2e3f4a5b\"}"),
        new Recipe("Auth0 (post-login Action, namespaced claim)", "jwt", Map.of(
            "JWT_ISSUER", auth0, "JWT_AUDIENCE", "https://api.switchboard.example"), AUTH0_CLAIM,
            c -> issuer.sign(ProviderTokens.auth0Header("NkJCQzJFQjQ1RjY3Nzg5MDEyMzQ1Njc4OUFCQ0RFRg"), c),
            org -> ProviderTokens.auth0Access(auth0, "https://api.switchboard.example", AUTH0_CLAIM, org, NOW,
                Duration.ofHours(24)),
            "{\"alg\":\"RS512\",\"typ\":\"JWT\",\"kid\":\"NkJCQzJFQjQ1RjY3Nzg5MDEyMzQ1Njc4OUFCQ0RFRg\"}"),
        new Recipe("Cognito (pre token generation, access token)", "jwt", Map.of(
            "JWT_ISSUER", cognito, "JWT_AUDIENCE", "3n4b5urk1ft4fl3mg5e62d9ado"), "org_id",
            c -> issuer.sign(ProviderTokens.cognitoHeader("abcdEFGHijklMNOPqrstUVWXyz0123456789+/AbCdE="), c),
            org -> ProviderTokens.cognitoAccess(cognito, "3n4b5urk1ft4fl3mg5e62d9ado", org, NOW, hour),
            "{\"alg\":\"ES256\",\"kid\":\"abcdEFGHijklMNOPqrstUVWXyz0123456789+/AbCdE=\"}"),
        new Recipe("Clerk (JWT template)", "jwt", Map.of(
            "JWT_ISSUER", clerk, "JWT_AUDIENCE", "switchboard"), "org_id",
            c -> issuer.sign(ProviderTokens.clerkHeader("ins_2ZxQk9oLmNpRsTuVwXyZaBcDeFg"), c),
            org -> ProviderTokens.clerkTemplate(clerk, "switchboard", org, NOW, Duration.ofMinutes(10)),
            "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"ins_2ZxQk9oLmNpRsTuVwXyZaBcDeFg\"}"));
  }

  /** The route's handler, the number of times it ran, and API Gateway in front of it. */
  private static final class Stack {
    final GatewayAuthorizer gateway;
    final ListNumbersHandler list;
    final ReleaseNumberHandler release;
    final AtomicInteger functionRuns = new AtomicInteger();

    Stack(Recipe recipe) {
      Map<String, String> env = new HashMap<>(WORLD.settings());
      env.put("ORG_ID_CLAIM", recipe.orgClaim());
      list = new ListNumbersHandler(dev.switchboard.wiring.Platform.from(Settings.of(env)));
      release = new ReleaseNumberHandler(Settings.of(env), SagaHooks.NONE);
      if (recipe.mode().equals("jwt")) {
        gateway = GatewayAuthorizer.Jwt.issuer(recipe.settings().get("JWT_ISSUER"),
            List.of(recipe.settings().get("JWT_AUDIENCE")), issuer.jwksUrl(), Clock.systemUTC());
      } else {
        Map<String, String> authorizerEnv = new HashMap<>(recipe.settings());
        authorizerEnv.put("ORG_ID_CLAIM", recipe.orgClaim());
        AuthorizerHandler authorizer = new AuthorizerHandler(Settings.of(authorizerEnv), Clock.systemUTC());
        gateway = new GatewayAuthorizer.Lambda(event -> {
          try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            authorizer.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out,
                new LambdaContext("AuthorizerFunction", Duration.ofSeconds(10)));
            return Optional.of(out.toString(StandardCharsets.UTF_8));
          } catch (Exception | Error e) {
            return Optional.empty();
          }
        }, Duration.ZERO, Clock.systemUTC());
      }
    }

    /** One request through API Gateway to the route's function: its status. */
    int call(String method, String path, String routePath, Map<String, String> pathParameters, String token) {
      Map<String, List<String>> headers = new LinkedHashMap<>();
      headers.put("Host", List.of("api.example.com"));
      if (token != null) {
        headers.put("Authorization", List.of("Bearer " + token));
      }
      HttpRoute route = new HttpRoute(method, routePath, "function", true);
      HttpApiEvents.Request request = new HttpApiEvents.Request(method, path, null, headers, new byte[0], "203.0.113.9");
      GatewayAuthorizer.Decision decision = gateway.authorize(token == null ? null : "Bearer " + token,
          auth -> HttpApiEvents.authorizerEvent(request, route, pathParameters, "req", Instant.now(), auth));
      if (!decision.allowed()) {
        return decision.status();
      }
      String json = HttpApiEvents.build(request, route, pathParameters, decision.jwtClaims(), decision.lambdaContext(),
          "req", Instant.now()).toString();
      APIGatewayV2HTTPEvent event = LambdaEventSerializers.serializerFor(APIGatewayV2HTTPEvent.class,
          getClass().getClassLoader()).fromJson(json);
      functionRuns.incrementAndGet();
      APIGatewayV2HTTPResponse response = method.equals("GET") ? list.handleRequest(event, null)
          : release.handleRequest(event, null);
      return response.getStatusCode();
    }

    int list(String token) {
      return call("GET", "/phone-numbers", "/phone-numbers", Map.of(), token);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("recipes")
  void theRecipesToken_reachesItsOwnOrganisationOnly_andEveryForgeryIsRefusedBeforeAnyFunctionRuns(Recipe recipe) {
    Stack stack = new Stack(recipe);
    Map<String, Object> claims = recipe.claims().apply(ownOrg);
    String token = recipe.sign().apply(claims);

    assertEquals(200, stack.list(token), "its own organisation's numbers");
    assertEquals(404, stack.call("DELETE", "/phone-numbers/" + otherOrgsNumber, "/phone-numbers/{id}",
        Map.of("id", otherOrgsNumber.toString()), token), "another organisation's number");
    assertEquals(2, stack.functionRuns.get());

    int refused = recipe.mode().equals("jwt") ? 401 : 403;
    long now = Instant.now().getEpochSecond();
    Map<String, String> forgeries = new LinkedHashMap<>();
    forgeries.put("expired", recipe.sign().apply(with(claims, "iat", now - 7200, "exp", now - 3600)));
    forgeries.put("another audience", recipe.sign().apply(with(claims, "aud", "someone-else", "client_id", "someone-else")));
    forgeries.put("another issuer", recipe.sign().apply(with(claims, "iss", "https://attacker.example.com/")));
    forgeries.put("tampered (another org, same signature)",
        FakeIssuer.withPayload(token, with(claims, orgClaimKey(recipe), otherOrg.toString())));
    forgeries.put("alg swapped", FakeIssuer.withHeader(token, recipe.refusedAlgSwap()));
    forgeries.put("alg none", FakeIssuer.unsigned(with(claims, orgClaimKey(recipe), otherOrg.toString())));
    forgeries.put("HMAC over the issuer's RSA public key",
        issuer.hmacWithPublicKey("2e1f4d3c-6b5a-4978-8a9b-0c1d2e3f4a5b", with(claims, orgClaimKey(recipe), otherOrg.toString())));
    forgeries.put("oversize", recipe.sign().apply(with(claims, "padding", "x".repeat(9000))));
    forgeries.forEach((what, forged) -> assertEquals(refused, stack.list(forged), recipe + ": " + what));
    assertEquals(401, stack.list(null), "no token: API Gateway answers itself");
    assertEquals(2, stack.functionRuns.get(), "no forgery reached a function");
  }

  /**
   * Why Supabase's recipes name the lambda mode: API Gateway's JWT authorizer accepts RSA-signed
   * tokens only, so a genuine Supabase token (HS256 or the default ES256) is 401 on every route.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("recipes")
  void supabasesGenuineTokens_throughTheJwtMode_areRefusedAll(Recipe recipe) {
    if (!recipe.name().startsWith("Supabase") || recipe.name().contains("RS256")) {
      return;
    }
    GatewayAuthorizer jwtMode = GatewayAuthorizer.Jwt.issuer(recipe.settings().get("AUTHORIZER_ISSUER"),
        List.of("authenticated"), issuer.jwksUrl(), Clock.systemUTC());
    String genuine = recipe.sign().apply(recipe.claims().apply(ownOrg));

    assertEquals(401, jwtMode.authorize("Bearer " + genuine, auth -> null).status(), recipe.toString());
  }

  /** Supabase's anon key is public and signed with the legacy secret: it must not open the API. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("recipes")
  void supabasesPublicAnonKey_isNotAUserToken(Recipe recipe) {
    if (!recipe.name().contains("legacy")) {
      return;
    }
    Stack stack = new Stack(recipe);
    Map<String, Object> anon = new LinkedHashMap<>(ProviderTokens.supabaseAnonKey(SUPABASE_REF, NOW));
    anon.put("org_id", ownOrg.toString());

    assertEquals(403, stack.list(FakeIssuer.hmac(SUPABASE_SECRET, ProviderTokens.supabaseLegacyHeader(), anon)));
    assertTrue(stack.functionRuns.get() == 0);
  }

  private static String orgClaimKey(Recipe recipe) {
    return recipe.orgClaim();
  }

  private static Map<String, Object> with(Map<String, Object> claims, Object... changes) {
    Map<String, Object> out = new LinkedHashMap<>(claims);
    for (int i = 0; i + 1 < changes.length; i += 2) {
      out.put((String) changes[i], changes[i + 1]);
    }
    return out;
  }
}
