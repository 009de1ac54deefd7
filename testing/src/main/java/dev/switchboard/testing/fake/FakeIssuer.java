package dev.switchboard.testing.fake;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An identity provider over HTTP: key pairs made in the test, their public halves served as a
 * JWKS (the shape each provider publishes: {@code kid}, {@code kty}, {@code alg}, {@code use}),
 * the OpenID discovery document that points at it, and tokens signed with the private halves.
 *
 * <p>The key set lives at {@code jwksPath} ({@code /auth/v1/.well-known/jwks.json} for
 * Supabase, {@code /.well-known/jwks.json} for Auth0 and Clerk,
 * {@code /<pool>/.well-known/jwks.json} for Cognito); faults and the journal come from
 * {@link FakeHttpServer}, so a test can count fetches or make the issuer unreachable.
 */
public final class FakeIssuer extends FakeHttpServer {
  public static final String JWKS_ROUTE = "jwks";

  private final String jwksPath;
  private final Map<String, JWK> signing = new LinkedHashMap<>();
  private final Map<String, JWK> published = new LinkedHashMap<>();

  public FakeIssuer(String jwksPath) {
    this.jwksPath = jwksPath;
    route(JWKS_ROUTE, "GET", jwksPath, request -> FakeResponse.json(200, jwks()));
    start();
  }

  public String jwksUrl() {
    return baseUrl() + jwksPath;
  }

  /** A new RSA key (2048 bits), published with {@code alg} and {@code use: sig}. */
  public RSAKey addRsaKey(String kid, JWSAlgorithm alg) {
    return addRsaKey(kid, alg, 2048);
  }

  public synchronized RSAKey addRsaKey(String kid, JWSAlgorithm alg, int bits) {
    try {
      RSAKey key = new RSAKeyGenerator(bits, true).keyID(kid).algorithm(alg).keyUse(KeyUse.SIGNATURE).generate();
      signing.put(kid, key);
      published.put(kid, key.toPublicJWK());
      return key;
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A new EC key on the algorithm's curve (P-256 for ES256), published as Supabase does. */
  public synchronized ECKey addEcKey(String kid, JWSAlgorithm alg) {
    try {
      Curve curve = Curve.forJWSAlgorithm(alg).iterator().next();
      ECKey key = new ECKeyGenerator(curve).keyID(kid).algorithm(alg).keyUse(KeyUse.SIGNATURE).generate();
      signing.put(kid, key);
      published.put(kid, key.toPublicJWK());
      return key;
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Stops publishing the key (revoked): tokens it signed must stop passing once the set is fetched again. */
  public synchronized void unpublish(String kid) {
    published.remove(kid);
  }

  public synchronized JWK publicKey(String kid) {
    return published.get(kid);
  }

  public synchronized String jwks() {
    return new JWKSet(new ArrayList<>(published.values())).toString(true);
  }

  /** Signs the claims with the named key, the header as given (its {@code alg} is the key's). */
  public synchronized String sign(JWSHeader header, Map<String, Object> claims) {
    JWK key = signing.get(header.getKeyID());
    if (key == null) {
      throw new IllegalArgumentException("no key " + header.getKeyID());
    }
    return sign(signer(key), header, claims);
  }

  /** A token signed with HMAC-SHA over {@code secret}, as Supabase's legacy JWT secret signs. */
  public static String hmac(byte[] secret, JWSHeader header, Map<String, Object> claims) {
    try {
      return sign(new MACSigner(secret), header, claims);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String hmac(String secret, JWSHeader header, Map<String, Object> claims) {
    return hmac(secret.getBytes(StandardCharsets.UTF_8), header, claims);
  }

  private static JWSSigner signer(JWK key) {
    try {
      if (key instanceof RSAKey rsa) {
        return new RSASSASigner(rsa);
      }
      return new ECDSASigner((ECKey) key);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sign(JWSSigner signer, JWSHeader header, Map<String, Object> claims) {
    try {
      SignedJWT jwt = new SignedJWT(header, JWTClaimsSet.parse(claims));
      jwt.sign(signer);
      return jwt.serialize();
    } catch (JOSEException | ParseException e) {
      throw new IllegalStateException(e);
    }
  }

  // ------------------------------------------------------------ forgeries a test tries

  /** The same token with its payload replaced, the signature left as it was. */
  public static String withPayload(String token, Map<String, Object> claims) {
    String[] parts = token.split("\\.");
    String payload = Base64URL.encode(json(claims)).toString();
    return parts[0] + "." + payload + "." + parts[2];
  }

  /** The same token with its header replaced (e.g. another {@code alg}), the signature left as it was. */
  public static String withHeader(String token, String headerJson) {
    String[] parts = token.split("\\.");
    return Base64URL.encode(headerJson).toString() + "." + parts[1] + "." + parts[2];
  }

  /** {@code alg: none}: the claims with no signature at all. */
  public static String unsigned(Map<String, Object> claims) {
    return Base64URL.encode("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + Base64URL.encode(json(claims)) + ".";
  }

  /**
   * The RSA/HMAC confusion: claims signed with HMAC-SHA256 keyed by the issuer's RSA public
   * key (its PEM text, which anyone can make from the JWKS), headed {@code HS256} with that
   * key's {@code kid}: a verifier that lets the token pick the algorithm accepts it.
   */
  public String hmacWithPublicKey(String kid, Map<String, Object> claims) {
    byte[] keyBytes;
    try {
      keyBytes = ("-----BEGIN PUBLIC KEY-----\n" + java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
          .encodeToString(((RSAKey) publicKey(kid)).toPublicKey().getEncoded()) + "\n-----END PUBLIC KEY-----\n")
          .getBytes(StandardCharsets.US_ASCII);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    return hmac(keyBytes, new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(kid)
        .type(com.nimbusds.jose.JOSEObjectType.JWT).build(), claims);
  }

  private static String json(Map<String, Object> claims) {
    try {
      return JWTClaimsSet.parse(claims).toString();
    } catch (ParseException e) {
      return JSON.valueToTree(claims).toString();
    }
  }

  /** Every claim map a test builds starts here: order kept, nested objects as maps. */
  public static Map<String, Object> claims(Object... keysAndValues) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
      out.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return out;
  }

  /** {@code [a, b]} as a claim value. */
  public static List<Object> list(Object... values) {
    return List.of(values);
  }

  @Override
  protected FakeResponse errorResponse(int status, String code, String message) {
    return FakeResponse.json(status, "{\"error\":\"" + (code == null ? "server_error" : code) + "\"}");
  }
}
