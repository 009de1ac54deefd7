package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.testing.fake.FakeIssuer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local API's tokens: signed with the data directory's key, verified as API Gateway verifies. */
class DevJwtTest {
  private static final UUID ORG = DemoOrganization.ORG_ID;

  @TempDir
  Path dir;

  @Test
  void theKey_isMadeOnceForTheDataDirectory_readableOnlyByItsOwner_orTakenFromTheVariable() throws Exception {
    String first = DevJwt.key(Map.of(), dir);
    String again = DevJwt.key(Map.of(), dir);

    assertEquals(first, again);
    assertEquals(64, first.length());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(DevJwt.KEY_FILE))));
    String given = "a-harness-key-of-at-least-thirty-two-bytes";
    assertEquals(given, DevJwt.key(Map.of(DevJwt.SECRET_VARIABLE, given), dir));
    assertThrows(UsageException.class, () -> DevJwt.key(Map.of(DevJwt.SECRET_VARIABLE, "short"), dir));
  }

  @Test
  void aLocalToken_passesTheLocalJwtAuthorizer_withTheOrgInTheConfiguredClaim() {
    String key = DevJwt.key(Map.of(), dir);
    GatewayAuthorizer.Jwt gateway = GatewayAuthorizer.Jwt.local(key, Clock.systemUTC());

    GatewayAuthorizer.Decision plain = gateway.authorize("Bearer " + DevJwt.forOrg(key, ORG, "org_id", Instant.now()),
        a -> null);
    GatewayAuthorizer.Decision nested = gateway.authorize(
        "Bearer " + DevJwt.forOrg(key, ORG, "app_metadata.org_id", Instant.now()), a -> null);

    assertEquals(ORG.toString(), plain.jwtClaims().orElseThrow().get("org_id"));
    assertEquals("local-developer", plain.jwtClaims().orElseThrow().get("sub"));
    assertEquals("map[org_id:" + ORG + "]", nested.jwtClaims().orElseThrow().get("app_metadata"),
        "an object claim reaches the function in Go's form, as API Gateway's JWT authorizer passes it");
  }

  /**
   * The local API used to decode tokens without verifying them: behind a tunnel that sends
   * {@code Host: 127.0.0.1} and no forwarding header, an {@code alg: none} token acted as any
   * organisation. Now only a token signed with this data directory's key, for the local
   * audience and not expired, passes.
   */
  @Test
  void anUnsignedToken_anotherKeys_anotherAudiences_orAnExpiredOne_isRefused() {
    String key = DevJwt.key(Map.of(), dir);
    GatewayAuthorizer.Jwt gateway = GatewayAuthorizer.Jwt.local(key, Clock.systemUTC());
    Map<String, Object> claims = new LinkedHashMap<>(Map.of("sub", "x", "iss", DevJwt.ISSUER, "aud", DevJwt.AUDIENCE,
        "org_id", ORG.toString(), "exp", Instant.now().plusSeconds(600).getEpochSecond()));

    assertEquals(401, gateway.authorize("Bearer " + FakeIssuer.unsigned(claims), a -> null).status());
    assertEquals(401, gateway.authorize("Bearer " + DevJwt.sign("another-key-of-at-least-thirty-two-bytes", claims),
        a -> null).status());
    Map<String, Object> otherAudience = new LinkedHashMap<>(claims);
    otherAudience.put("aud", "someone-else");
    assertEquals(401, gateway.authorize("Bearer " + DevJwt.sign(key, otherAudience), a -> null).status());
    Map<String, Object> expired = new LinkedHashMap<>(claims);
    expired.put("exp", Instant.now().minusSeconds(1).getEpochSecond());
    assertEquals(401, gateway.authorize("Bearer " + DevJwt.sign(key, expired), a -> null).status());
    assertEquals(401, gateway.authorize(null, a -> null).status());
    assertEquals(200, gateway.authorize("Bearer " + DevJwt.sign(key, claims), a -> null).status());
  }

  @Test
  void runToken_printsATokenForTheDemoOrganisation_orAnyOther() {
    String other = UUID.randomUUID().toString();
    LocalTestSupport.Result demo = LocalTestSupport.run(LocalTestSupport.processEnvironment(Map.of()),
        "token", "--data-dir", dir.toString());
    LocalTestSupport.Result forOther = LocalTestSupport.run(LocalTestSupport.processEnvironment(Map.of()),
        "token", "--org", other, "--data-dir", dir.toString());
    LocalTestSupport.Result notAUuid = LocalTestSupport.run(LocalTestSupport.processEnvironment(Map.of()),
        "token", "--org", "acme", "--data-dir", dir.toString());

    assertEquals(0, demo.exitCode(), demo.stderr());
    GatewayAuthorizer.Jwt gateway = GatewayAuthorizer.Jwt.local(DevJwt.key(Map.of(), dir), Clock.systemUTC());
    assertEquals(ORG.toString(), gateway.authorize("Bearer " + demo.stdout().trim(), a -> null)
        .jwtClaims().orElseThrow().get("org_id"));
    assertEquals(other, gateway.authorize("Bearer " + forOther.stdout().trim(), a -> null)
        .jwtClaims().orElseThrow().get("org_id"));
    assertNotEquals(0, notAUuid.exitCode());
  }

  @Test
  void theReadmesTryItBlock_takesItsTokenFromTheTokenCommand() throws Exception {
    String readme = Files.readString(Path.of("README.md"));

    assertTrue(readme.contains("export TOKEN=$(./run token)\n"), "README.md's Try it block gets the token from ./run token");
  }
}
