package dev.switchboard.function.authorizer;

import static dev.switchboard.testing.fake.FakeIssuer.claims;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import dev.switchboard.auth.JwksKeys;
import dev.switchboard.config.SecretsManagerSource;
import dev.switchboard.config.Settings;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonObject;
import dev.switchboard.testing.LambdaContext;
import dev.switchboard.testing.TestClock;
import dev.switchboard.testing.fake.FakeIssuer;
import dev.switchboard.testing.fake.FakeSecretsManager;
import dev.switchboard.testing.fake.Fault;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The authorizer function as the Lambda runtime calls it: an event stream in, a simple response out. */
class AuthorizerHandlerTest {
  /** The secret events/authorizer-request.json was signed with, and the time it was signed at. */
  static final String SAMPLE_SECRET = "sample-events-secret-of-at-least-32-bytes";
  static final Instant SAMPLE_SIGNED_AT = Instant.ofEpochSecond(1795775400L);
  static final String DEMO_ORG = "11111111-1111-4111-8111-111111111111";

  private static FakeIssuer issuer;

  @BeforeAll
  static void keys() {
    issuer = new FakeIssuer("/auth/v1/.well-known/jwks.json");
    issuer.addEcKey("4b9e5c7a-1f2d-4e3c-9a8b-7c6d5e4f3a2b", JWSAlgorithm.ES256);
  }

  @AfterAll
  static void stop() {
    issuer.close();
  }

  private static Map<String, String> hs256(String secret) {
    return Map.of("AUTHORIZER_ISSUER", "switchboard-local", "AUTHORIZER_AUDIENCE", "switchboard",
        "AUTHORIZER_ALGORITHMS", "HS256", "AUTHORIZER_HS256_SECRET", secret);
  }

  private static Map<String, String> es256() {
    return Map.of("AUTHORIZER_ISSUER", "https://abcdefghijklmnopqrst.supabase.co/auth/v1",
        "AUTHORIZER_AUDIENCE", "authenticated", "AUTHORIZER_ALGORITHMS", "ES256",
        "AUTHORIZER_JWKS_URL", issuer.jwksUrl(), "AUTHORIZER_JWKS_TIMEOUT_MS", "500");
  }

  private static String invoke(AuthorizerHandler handler, String event) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out,
        new LambdaContext("AuthorizerFunction", Duration.ofSeconds(5), "req-1"));
    return out.toString(StandardCharsets.UTF_8);
  }

  /** A token signed once with {@link #SAMPLE_SECRET} at {@link #SAMPLE_SIGNED_AT}, valid one hour. */
  static final String SAMPLE_TOKEN = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJsb2NhbC1kZXZlbG9wZXIiLCJpc3MiOiJzd2l0Y2hib2"
      + "FyZC1sb2NhbCIsImF1ZCI6InN3aXRjaGJvYXJkIiwib3JnX2lkIjoiMTExMTExMTEtMTExMS00MTExLTgxMTEtMTExMTExMTExMTExIiwiaW"
      + "F0IjoxNzk1Nzc1NDAwLCJleHAiOjE3OTU3NzkwMDB9.ghMLF8JYRoFzALME3WzXlPrykjulF4JAUvbit738Onc";

  private static String sample() {
    return eventWith("Bearer " + SAMPLE_TOKEN);
  }

  private static String eventWith(String authorization) {
    return "{\"version\":\"2.0\",\"type\":\"REQUEST\",\"routeKey\":\"GET /phone-numbers\","
        + "\"identitySource\":[" + Json.write(authorization) + "],\"headers\":{\"authorization\":"
        + Json.write(authorization) + "}}";
  }

  @Test
  void theSampleEvent_atTheTimeItWasSigned_isAuthorized_withTheOrgInTheContext() throws Exception {
    TestClock clock = new TestClock(SAMPLE_SIGNED_AT.plusSeconds(60));
    AuthorizerHandler handler = new AuthorizerHandler(Settings.of(hs256(SAMPLE_SECRET)), clock);

    JsonObject answer = Json.parseObject(invoke(handler, sample()));

    assertEquals(true, answer.optBoolean("isAuthorized").orElseThrow());
    assertEquals(DEMO_ORG, answer.object("context").string("orgId"));
    assertEquals("local-developer", answer.object("context").string("sub"));
  }

  @Test
  void theSampleEvent_now_isRefusedAsExpired_andSignedWithAnotherSecret_isRefused() throws Exception {
    AuthorizerHandler now = new AuthorizerHandler(Settings.of(hs256(SAMPLE_SECRET)), java.time.Clock.systemUTC());
    AuthorizerHandler otherSecret = new AuthorizerHandler(Settings.of(hs256("another-secret-of-at-least-32-bytes!!")),
        new TestClock(SAMPLE_SIGNED_AT.plusSeconds(60)));

    assertEquals(AuthorizerHandler.DENY, invoke(now, sample()));
    assertEquals(AuthorizerHandler.DENY, invoke(otherSecret, sample()));
  }

  @Test
  void aSupabaseEs256Token_isCheckedWithTheJwks_andAnythingElseIsRefusedNotFailed() throws Exception {
    TestClock clock = new TestClock(Instant.parse("2026-12-01T10:00:00Z"));
    AuthorizerHandler handler = new AuthorizerHandler(Settings.of(es256()), clock);
    String token = issuer.sign(new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT)
        .keyID("4b9e5c7a-1f2d-4e3c-9a8b-7c6d5e4f3a2b").build(), claims(
        "iss", "https://abcdefghijklmnopqrst.supabase.co/auth/v1", "aud", "authenticated", "sub", UUID.randomUUID().toString(),
        "org_id", DEMO_ORG, "exp", clock.instant().plusSeconds(3600).getEpochSecond()));

    assertTrue(invoke(handler, eventWith("Bearer " + token)).contains("\"orgId\":\"" + DEMO_ORG + "\""));
    assertEquals(AuthorizerHandler.DENY, invoke(handler, eventWith("Bearer " + token + "x")));
    assertEquals(AuthorizerHandler.DENY, invoke(handler, "{\"version\":\"2.0\",\"type\":\"REQUEST\"}"));
    assertEquals(AuthorizerHandler.DENY, invoke(handler, "not json"));
  }

  @Test
  void anUnreachableKeySet_isAnError_soApiGatewayAnswers500AndCachesNoRefusal() {
    AuthorizerHandler handler = new AuthorizerHandler(Settings.of(es256()),
        new TestClock(Instant.parse("2026-12-01T10:00:00Z")));
    // every attempt dropped (the JDK's HTTP client retries a dropped GET once by itself)
    issuer.failAlways(FakeIssuer.JWKS_ROUTE, Fault.drop());
    String token = issuer.sign(new JWSHeader.Builder(JWSAlgorithm.ES256)
        .keyID("4b9e5c7a-1f2d-4e3c-9a8b-7c6d5e4f3a2b").build(), claims("exp", 4102444800L));
    try {
      assertThrows(JwksKeys.KeysUnavailable.class, () -> invoke(handler, eventWith("Bearer " + token)));
    } finally {
      issuer.heal();
    }
  }

  /**
   * SnapStart: the hooks prime (the key set fetched, a throwaway key signs and verifies) and,
   * after a restore, the HMAC secret is read again from Secrets Manager: a secret rotated
   * since the snapshot is the one in force at once, not after the cache's five minutes.
   */
  @Test
  void afterASnapStartRestore_theSharedSecretIsReadAgain() throws Exception {
    try (FakeSecretsManager secrets = new FakeSecretsManager()) {
      String arn = secrets.create("AuthorizerSecret");
      secrets.put("AuthorizerSecret", SAMPLE_SECRET);
      Map<String, String> env = new HashMap<>(hs256(SAMPLE_SECRET));
      env.remove("AUTHORIZER_HS256_SECRET");
      env.put("AUTHORIZER_HS256_SECRET_SECRET_ID", arn);
      TestClock clock = new TestClock(SAMPLE_SIGNED_AT.plusSeconds(60));
      AuthorizerHandler handler = new AuthorizerHandler(
          new Settings(env, () -> new SecretsManagerSource(secrets.client()), clock), clock);

      handler.snapStart().beforeCheckpoint(null);
      assertTrue(invoke(handler, sample()).contains("\"isAuthorized\":true"));
      String rotated = "a-rotated-secret-of-at-least-32-bytes!!";
      secrets.put("AuthorizerSecret", rotated);
      handler.snapStart().afterRestore(null);

      assertEquals(AuthorizerHandler.DENY, invoke(handler, sample()), "signed with the secret before the rotation");
      String resigned = FakeIssuer.hmac(rotated, new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT)
          .build(), claims("iss", "switchboard-local", "aud", "switchboard", "org_id", DEMO_ORG,
          "exp", clock.instant().plusSeconds(600).getEpochSecond()));
      assertTrue(invoke(handler, eventWith("Bearer " + resigned)).contains("\"isAuthorized\":true"));
    }
  }

  @Test
  void priming_fetchesTheKeySet_andNeverStopsAPublish() {
    issuer.clearJournal();
    AuthorizerHandler handler = new AuthorizerHandler(Settings.of(es256()), java.time.Clock.systemUTC());
    handler.snapStart().beforeCheckpoint(null);
    assertEquals(1, issuer.count(FakeIssuer.JWKS_ROUTE));

    issuer.failNext(FakeIssuer.JWKS_ROUTE, Fault.status(500));
    new AuthorizerHandler(Settings.of(es256()), java.time.Clock.systemUTC()).snapStart().beforeCheckpoint(null);
  }
}
