package dev.switchboard.auth;

import static dev.switchboard.testing.fake.FakeIssuer.claims;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import dev.switchboard.config.MissingConfigException;
import dev.switchboard.config.Settings;
import dev.switchboard.testing.Events;
import dev.switchboard.testing.TestClock;
import dev.switchboard.testing.fake.FakeIssuer;
import dev.switchboard.testing.fake.Fault;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Lambda authorizer's checks, one by one, against an issuer serving its keys over HTTP. */
class TokenVerifierTest {
  private static final String ISSUER = "https://issuer.example.com/";
  private static final String SECRET = "a-shared-secret-of-at-least-thirty-two-bytes";
  private static final UUID ORG = Events.ORG;
  private static FakeIssuer issuer;

  private final TestClock clock = new TestClock(Instant.parse("2026-12-01T10:00:00Z"));

  @BeforeAll
  static void keys() {
    issuer = new FakeIssuer("/.well-known/jwks.json");
    issuer.addRsaKey("rsa-1", JWSAlgorithm.RS256);
    issuer.addEcKey("ec-1", JWSAlgorithm.ES256);
  }

  @AfterAll
  static void stop() {
    issuer.close();
  }

  @BeforeEach
  void freshJournal() {
    issuer.heal();
    issuer.clearJournal();
  }

  private TokenVerifier verifier(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(Map.of(
        "AUTHORIZER_ISSUER", ISSUER,
        "AUTHORIZER_AUDIENCE", "switchboard,other-api",
        "AUTHORIZER_ALGORITHMS", "RS256,ES256",
        "AUTHORIZER_JWKS_URL", issuer.jwksUrl(),
        "ORG_ID_CLAIM", "org_id"));
    env.putAll(extra);
    return new TokenVerifier(AuthorizerConfig.from(Settings.of(env)), clock);
  }

  private TokenVerifier verifier() {
    return verifier(Map.of());
  }

  private Map<String, Object> good() {
    return claims("iss", ISSUER, "aud", "switchboard", "sub", "user-1", "org_id", ORG.toString(),
        "iat", clock.instant().getEpochSecond(), "exp", clock.instant().plusSeconds(3600).getEpochSecond());
  }

  private static JWSHeader rs256(String kid) {
    return new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).keyID(kid).build();
  }

  private static JWSHeader es256(String kid) {
    return new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT).keyID(kid).build();
  }

  private static Map<String, Object> with(Map<String, Object> claims, Object... changes) {
    Map<String, Object> out = new java.util.LinkedHashMap<>(claims);
    for (int i = 0; i + 1 < changes.length; i += 2) {
      if (changes[i + 1] == null) {
        out.remove((String) changes[i]);
      } else {
        out.put((String) changes[i], changes[i + 1]);
      }
    }
    return out;
  }

  private static String refused(TokenVerifier v, String token) {
    return assertThrows(TokenRejected.class, () -> v.verify(token)).reason();
  }

  @Test
  void aTokenFromTheIssuer_isAcceptedWithEitherAlgorithmItAllows_andNamesItsOrganisation() {
    TokenVerifier v = verifier();

    TokenVerifier.VerifiedToken rsa = v.verify("Bearer " + issuer.sign(rs256("rsa-1"), good()));
    TokenVerifier.VerifiedToken ec = v.verify(issuer.sign(es256("ec-1"), good()));

    assertEquals(ORG.toString(), rsa.orgId().toString());
    assertEquals(ORG.toString(), ec.orgId().toString());
    assertEquals("user-1", rsa.subject().orElseThrow());
    assertEquals(1, issuer.count(FakeIssuer.JWKS_ROUTE), "the key set is fetched once and kept");
  }

  @Test
  void timeAndAudience_areChecked_withTheLeeway() {
    TokenVerifier v = verifier();
    long now = clock.instant().getEpochSecond();

    assertEquals("expired", refused(v, issuer.sign(rs256("rsa-1"), with(good(), "exp", now - 31))));
    v.verify(issuer.sign(rs256("rsa-1"), with(good(), "exp", now - 29))); // within 30 s of leeway
    assertEquals("no_expiry", refused(v, issuer.sign(rs256("rsa-1"), with(good(), "exp", null))));
    assertEquals("not_yet_valid", refused(v, issuer.sign(rs256("rsa-1"), with(good(), "nbf", now + 60))));
    assertEquals("not_yet_valid", refused(v, issuer.sign(rs256("rsa-1"), with(good(), "iat", now + 60))));
    assertEquals("wrong_issuer", refused(v, issuer.sign(rs256("rsa-1"), with(good(), "iss", "https://issuer.example.com"))));
    assertEquals("wrong_audience", refused(v, issuer.sign(rs256("rsa-1"), with(good(), "aud", "someone-else"))));
    assertEquals("wrong_audience", refused(v, issuer.sign(rs256("rsa-1"), with(good(), "aud", null))));
    v.verify(issuer.sign(rs256("rsa-1"), with(good(), "aud", List.of("x", "other-api"))));
    // no aud at all: client_id decides, as API Gateway does for Cognito's access tokens
    v.verify(issuer.sign(rs256("rsa-1"), with(good(), "aud", null, "client_id", "switchboard")));
    assertEquals("wrong_audience",
        refused(v, issuer.sign(rs256("rsa-1"), with(good(), "aud", "nope", "client_id", "switchboard"))));
  }

  @Test
  void forgeries_areRefused_whateverTheHeaderClaims() {
    TokenVerifier v = verifier();
    String genuine = issuer.sign(rs256("rsa-1"), good());
    String otherOrg = UUID.randomUUID().toString();

    assertEquals("bad_signature", refused(v, FakeIssuer.withPayload(genuine, with(good(), "org_id", otherOrg))));
    assertEquals("malformed", refused(v, FakeIssuer.unsigned(good())));
    assertEquals("malformed", refused(v, genuine.substring(0, genuine.lastIndexOf('.'))));
    assertEquals("algorithm_not_allowed", refused(v, issuer.hmacWithPublicKey("rsa-1", good())));
    // the header says ES256 over an RSA key's kid: the key does not fit the algorithm
    assertEquals("wrong_key", refused(v, FakeIssuer.withHeader(genuine, "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"rsa-1\"}")));
    // RS384 is not on the allow-list, whatever the key could do
    assertEquals("algorithm_not_allowed",
        refused(v, FakeIssuer.withHeader(genuine, "{\"alg\":\"RS384\",\"typ\":\"JWT\",\"kid\":\"rsa-1\"}")));
    assertEquals("algorithm_not_allowed",
        refused(v, FakeIssuer.withHeader(genuine, "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"rsa-1\"}")));
    assertEquals("no_kid", refused(v, FakeIssuer.withHeader(genuine, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}")));
    assertEquals("critical_header", refused(v, issuer.sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1")
        .criticalParams(java.util.Set.of("exp")).customParam("exp", 1).build(), good())));
    assertEquals("wrong_type", refused(v, issuer.sign(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1")
        .type(new JOSEObjectType("secevent+jwt")).build(), good())));
  }

  /** With the shared secret allowed too (a Supabase project moving off its legacy secret), still no confusion. */
  @Test
  void hmacTokens_areCheckedOnlyWithTheSharedSecret_neverWithAPublicKey() {
    TokenVerifier v = verifier(Map.of("AUTHORIZER_ALGORITHMS", "HS256,RS256,ES256", "AUTHORIZER_HS256_SECRET", SECRET));
    JWSHeader hs256 = new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build();

    assertEquals(ORG.toString(), v.verify(FakeIssuer.hmac(SECRET, hs256, good())).orgId().toString());
    assertEquals("bad_signature", refused(v, issuer.hmacWithPublicKey("rsa-1", good())));
    assertEquals("bad_signature", refused(v, FakeIssuer.hmac(SECRET + "x", hs256, good())));
    v.verify(issuer.sign(es256("ec-1"), good()));
  }

  @Test
  void anOversizeToken_isRefusedBeforeAnythingIsParsed() {
    TokenVerifier v = verifier(Map.of("AUTHORIZER_MAX_TOKEN_BYTES", "2048"));
    String padded = issuer.sign(rs256("rsa-1"), with(good(), "padding", "x".repeat(2000)));

    assertEquals("too_large", refused(v, padded));
    assertEquals("too_large", refused(v, "Bearer " + "a".repeat(3000)));
    assertEquals(0, issuer.count(FakeIssuer.JWKS_ROUTE), "refused before the key set was needed");
  }

  @Test
  void theOrganisationClaim_mustBeAUuid_atTheConfiguredPlace() {
    assertEquals("no_org_claim", refused(verifier(), issuer.sign(rs256("rsa-1"), with(good(), "org_id", null))));
    assertEquals("org_claim_not_uuid", refused(verifier(), issuer.sign(rs256("rsa-1"), with(good(), "org_id", "acme"))));
    assertEquals("no_org_claim", refused(verifier(), issuer.sign(rs256("rsa-1"), with(good(), "org_id", 42))));

    TokenVerifier nested = verifier(Map.of("ORG_ID_CLAIM", "app_metadata.org_id"));
    Map<String, Object> inAppMetadata = with(good(), "org_id", null,
        "app_metadata", Map.of("provider", "email", "org_id", ORG.toString()));
    assertEquals(ORG.toString(), nested.verify(issuer.sign(rs256("rsa-1"), inAppMetadata)).orgId().toString());
    assertEquals("ambiguous_org_claim", refused(nested, issuer.sign(rs256("rsa-1"),
        with(inAppMetadata, "app_metadata.org_id", UUID.randomUUID().toString()))));

    TokenVerifier namespaced = verifier(Map.of("ORG_ID_CLAIM", "https://switchboard.example.com/org_id"));
    assertEquals(ORG.toString(), namespaced.verify(issuer.sign(rs256("rsa-1"), with(good(), "org_id", null,
        "https://switchboard.example.com/org_id", ORG.toString()))).orgId().toString());
  }

  @Test
  void anUnknownKid_refetchesTheKeySetOnce_thenNotAgainWithinTheInterval() {
    TokenVerifier v = verifier(Map.of("AUTHORIZER_JWKS_REFETCH_SECONDS", "60"));
    v.verify(issuer.sign(rs256("rsa-1"), good()));
    issuer.addRsaKey("rsa-rotated", JWSAlgorithm.RS256);

    clock.advance(Duration.ofSeconds(61));
    v.verify(issuer.sign(rs256("rsa-rotated"), good())); // a rotated-in key: fetched again, found
    assertEquals(2, issuer.count(FakeIssuer.JWKS_ROUTE));
    for (int i = 0; i < 5; i++) {
      assertEquals("unknown_kid", refused(v, FakeIssuer.withHeader(issuer.sign(rs256("rsa-1"), good()),
          "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"invented-" + i + "\"}")));
    }
    assertEquals(2, issuer.count(FakeIssuer.JWKS_ROUTE), "invented kids within the interval fetch nothing");
    clock.advance(Duration.ofSeconds(61));
    assertEquals("unknown_kid", refused(v, FakeIssuer.withHeader(issuer.sign(rs256("rsa-1"), good()),
        "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"invented-again\"}")));
    assertEquals(3, issuer.count(FakeIssuer.JWKS_ROUTE));
  }

  @Test
  void aRevokedKey_stopsPassing_onceTheKeySetIsOlderThanItsMaxAge() {
    TokenVerifier v = verifier();
    issuer.addEcKey("ec-revoked", JWSAlgorithm.ES256);
    String token = issuer.sign(es256("ec-revoked"), with(good(), "exp", clock.instant().plusSeconds(7200).getEpochSecond()));
    v.verify(token);
    issuer.unpublish("ec-revoked");

    clock.advance(AuthorizerConfig.JWKS_MAX_AGE.plusSeconds(1));

    assertEquals("unknown_kid", refused(v, token));
  }

  @Test
  void anIssuerOutage_keepsTheKeysHeld_andWithNoneHeldIsAnErrorNotARefusal() {
    TokenVerifier v = verifier(Map.of("AUTHORIZER_JWKS_TIMEOUT_MS", "300"));
    issuer.failAlways(FakeIssuer.JWKS_ROUTE, Fault.status(503));
    assertThrows(JwksKeys.KeysUnavailable.class, () -> v.verify(issuer.sign(rs256("rsa-1"), good())));

    issuer.heal();
    v.verify(issuer.sign(rs256("rsa-1"), good()));
    issuer.failAlways(FakeIssuer.JWKS_ROUTE, Fault.delay(Duration.ofSeconds(5)));
    clock.advance(AuthorizerConfig.JWKS_MAX_AGE.plusSeconds(1));

    // the refetch times out (300 ms, not the issuer's 5 s): the key held still verifies
    assertEquals(ORG.toString(), v.verify(issuer.sign(rs256("rsa-1"), good())).orgId().toString());
    issuer.heal();
  }

  @Test
  void aConfigurationThatCannotWork_stopsTheStart_namingTheSetting() {
    assertEquals("AUTHORIZER_JWKS_URL", assertThrows(MissingConfigException.class,
        () -> verifier(Map.of("AUTHORIZER_JWKS_URL", ""))).name());
    assertEquals("AUTHORIZER_HS256_SECRET", assertThrows(MissingConfigException.class,
        () -> verifier(Map.of("AUTHORIZER_ALGORITHMS", "HS256"))).name());
    assertEquals("AUTHORIZER_ALGORITHMS", assertThrows(MissingConfigException.class,
        () -> verifier(Map.of("AUTHORIZER_ALGORITHMS", "none"))).name());
    assertEquals("AUTHORIZER_JWKS_URL", assertThrows(MissingConfigException.class,
        () -> verifier(Map.of("AUTHORIZER_JWKS_URL", "http://issuer.example.com/jwks"))).name());
    assertTrue(assertThrows(MissingConfigException.class,
        () -> verifier(Map.of("AUTHORIZER_AUDIENCE", " "))).getMessage().contains("audience"));
  }
}
