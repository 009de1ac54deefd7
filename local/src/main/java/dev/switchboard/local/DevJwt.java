package dev.switchboard.local;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.switchboard.auth.ClaimPath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The local API's own tokens: HS256, signed with a key kept in the data directory
 * ({@code .local/dev-jwt.key}, made on first start, readable only by you) or given in
 * {@link #SECRET_VARIABLE}, so a test harness can sign tokens for any organisation, issuer and
 * audience itself. Issuer {@link #ISSUER}, audience {@link #AUDIENCE}, the organisation in the
 * claim the functions read ({@code ORG_ID_CLAIM}; a dotted name as nested objects), valid for
 * {@link #LIFETIME}. The local API verifies them as API Gateway verifies a real issuer's: an
 * unsigned token, another key's, another audience's or an expired one is 401.
 */
final class DevJwt {
  static final String SECRET_VARIABLE = "SWITCHBOARD_LOCAL_JWT_SECRET";
  static final String KEY_FILE = "dev-jwt.key";
  static final String ISSUER = "switchboard-local";
  static final String AUDIENCE = "switchboard";
  static final Duration LIFETIME = Duration.ofHours(12);

  private DevJwt() {}

  /** The signing key: the variable when set, else the data directory's (made now if missing). */
  static String key(Map<String, String> env, Path dataDirectory) {
    String given = env.get(SECRET_VARIABLE);
    if (given != null && !given.isBlank()) {
      if (given.getBytes(StandardCharsets.UTF_8).length < 32) {
        throw new UsageException(SECRET_VARIABLE + " must be at least 32 bytes (HS256 needs a 256-bit key)");
      }
      return given;
    }
    Path file = dataDirectory.resolve(KEY_FILE);
    try {
      Files.createDirectories(dataDirectory);
      if (!Files.exists(file)) {
        Files.writeString(file, Secrets.hex(32));
        try {
          Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
          // not a POSIX file system (Windows): the file is in the user's own project directory
        }
      }
      return Files.readString(file).trim();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the local JWT key in " + file, e);
    }
  }

  /** A token for the organisation, signed with {@code key}, issued {@code now}. */
  static String forOrg(String key, UUID orgId, String orgClaim, Instant now) {
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("sub", "local-developer");
    claims.put("iss", ISSUER);
    claims.put("aud", AUDIENCE);
    putOrg(claims, orgClaim, orgId.toString());
    claims.put("iat", now.getEpochSecond());
    claims.put("exp", now.plus(LIFETIME).getEpochSecond());
    return sign(key, claims);
  }

  /** The claims signed with {@code key} (HS256): for tokens a test or sample names itself. */
  static String sign(String key, Map<String, Object> claims) {
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(),
          JWTClaimsSet.parse(claims));
      jwt.sign(new MACSigner(key.getBytes(StandardCharsets.UTF_8)));
      return jwt.serialize();
    } catch (JOSEException | ParseException e) {
      throw new IllegalStateException("cannot sign a local token: " + e.getMessage(), e);
    }
  }

  /** A dotted claim name as nested objects; a namespaced one (https://...) as one claim. */
  @SuppressWarnings("unchecked")
  private static void putOrg(Map<String, Object> claims, String orgClaim, String value) {
    if (ClaimPath.isLiteral(orgClaim) || orgClaim.indexOf('.') < 0) {
      claims.put(orgClaim, value);
      return;
    }
    String[] path = orgClaim.split("\\.");
    Map<String, Object> parent = claims;
    for (int i = 0; i < path.length - 1; i++) {
      parent = (Map<String, Object>) parent.computeIfAbsent(path[i], k -> new LinkedHashMap<String, Object>());
    }
    parent.put(path[path.length - 1], value);
  }
}
