package dev.switchboard.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.switchboard.domain.OrgId;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a bearer token the way docs/auth.md describes, and says which organisation it speaks
 * for. Every check refuses with {@link TokenRejected}:
 *
 * <ol>
 *   <li>size: more than {@code maxTokenBytes} is refused before anything is parsed;</li>
 *   <li>a JWS in compact form (three parts; {@code alg: none} is no JWS), its {@code alg} on
 *       the allow-list, no {@code crit} header, a {@code typ} of JWT or at+jwt when present;</li>
 *   <li>the key by algorithm family, never by what the token says it is: HMAC algorithms are
 *       checked only with the configured secret, RSA and EC ones only with the issuer's key of
 *       that {@code kid}, whose type (and curve) must fit the algorithm, whose {@code use} (if
 *       given) is {@code sig} and whose {@code alg} (if given) is the token's. So a token
 *       signed with HMAC over an RSA public key, or claiming another algorithm, is refused;</li>
 *   <li>{@code iss} exactly the issuer; {@code aud} (a string or a list) holding an accepted
 *       audience, or, with no {@code aud}, {@code client_id} (Cognito's access tokens);
 *       {@code exp} required and not past, {@code nbf} not ahead, {@code iat} not ahead, each
 *       with the leeway;</li>
 *   <li>the organisation claim present and a uuid.</li>
 * </ol>
 */
public final class TokenVerifier {
  private static final Set<JOSEObjectType> TYPES =
      Set.of(JOSEObjectType.JWT, new JOSEObjectType("at+jwt"), new JOSEObjectType("application/at+jwt"));
  private static final int MIN_RSA_BITS = 2048;

  private final AuthorizerConfig config;
  private final Optional<JwksKeys> jwks;
  private final Clock clock;

  public TokenVerifier(AuthorizerConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.jwks = config.jwksUrl().map(url -> new JwksKeys(url, config.jwksTimeout(), config.jwksMaxAge(),
        config.jwksRefetchInterval(), clock));
  }

  public AuthorizerConfig config() {
    return config;
  }

  /** The issuer's key set, when the allow-list needs one. */
  public Optional<JwksKeys> jwks() {
    return jwks;
  }

  /** The token's subject and organisation; {@link TokenRejected} when it does not pass. */
  public VerifiedToken verify(String bearer) {
    Map<String, Object> claims = check(bearer);
    String org = ClaimPath.find(claims, config.orgClaim())
        .orElseThrow(() -> new TokenRejected("no_org_claim", "the token carries no " + config.orgClaim() + " claim"));
    OrgId orgId = OrgId.parse(org)
        .orElseThrow(() -> new TokenRejected("org_claim_not_uuid", "the organisation claim is not a uuid"));
    return new VerifiedToken(orgId, claims.get("sub") instanceof String sub ? Optional.of(sub) : Optional.empty(),
        claims);
  }

  /**
   * Steps 1 to 4 only: the token's claims when it is genuine, current and meant for us,
   * whatever organisation it names (API Gateway's JWT authorizer stops there too).
   */
  public Map<String, Object> check(String bearer) {
    String token = withoutScheme(bearer);
    if (token.getBytes(StandardCharsets.UTF_8).length > config.maxTokenBytes()) {
      throw new TokenRejected("too_large", "the token is larger than " + config.maxTokenBytes() + " bytes");
    }
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException | IllegalArgumentException e) {
      throw new TokenRejected("malformed", "not a signed JWT");
    }
    JWSHeader header = jwt.getHeader();
    JWSAlgorithm alg = header.getAlgorithm();
    if (!config.algorithms().contains(alg)) {
      throw new TokenRejected("algorithm_not_allowed", "alg " + alg + " is not accepted");
    }
    if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
      throw new TokenRejected("critical_header", "the token names critical header parameters");
    }
    if (header.getType() != null && TYPES.stream().noneMatch(t -> t.getType().equalsIgnoreCase(header.getType().getType()))) {
      throw new TokenRejected("wrong_type", "typ " + header.getType() + " is not a JWT");
    }
    JWSVerifier verifier = verifierFor(header);
    boolean verified;
    try {
      verified = jwt.verify(verifier);
    } catch (JOSEException e) {
      verified = false;
    }
    if (!verified) {
      throw new TokenRejected("bad_signature", "the signature does not verify");
    }
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new TokenRejected("malformed", "the payload is not a JSON object");
    }
    checkTimes(claims);
    checkIssuerAndAudience(claims);
    return claims.toJSONObject();
  }

  private JWSVerifier verifierFor(JWSHeader header) {
    JWSAlgorithm alg = header.getAlgorithm();
    if (JWSAlgorithm.Family.HMAC_SHA.contains(alg)) {
      byte[] secret = config.hmacSecret().orElseThrow(() -> new TokenRejected("algorithm_not_allowed",
          "no shared secret is configured")).current().getBytes(StandardCharsets.UTF_8);
      try {
        return new MACVerifier(secret);
      } catch (JOSEException e) {
        // a configuration fault, not the token's: 500 until the secret is fixed
        throw new IllegalStateException(AuthorizerConfig.HS256_SECRET + " is shorter than 256 bits");
      }
    }
    String kid = header.getKeyID();
    if (kid == null || kid.isBlank()) {
      throw new TokenRejected("no_kid", "the token names no key (kid)");
    }
    JWK key = jwks.orElseThrow(() -> new TokenRejected("algorithm_not_allowed", "no key set is configured"))
        .key(kid).orElseThrow(() -> new TokenRejected("unknown_kid", "the issuer publishes no such key"));
    if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
      throw new TokenRejected("wrong_key", "the key is not for signatures");
    }
    if (key.getAlgorithm() != null && !key.getAlgorithm().equals(alg)) {
      throw new TokenRejected("wrong_key", "the key is for " + key.getAlgorithm() + ", the token says " + alg);
    }
    try {
      if (JWSAlgorithm.Family.RSA.contains(alg) && key instanceof RSAKey rsa) {
        if (rsa.size() < MIN_RSA_BITS) {
          throw new TokenRejected("wrong_key", "the RSA key is shorter than " + MIN_RSA_BITS + " bits");
        }
        return new RSASSAVerifier(rsa);
      }
      if (JWSAlgorithm.Family.EC.contains(alg) && key instanceof ECKey ec
          && Curve.forJWSAlgorithm(alg).contains(ec.getCurve())) {
        return new ECDSAVerifier(ec);
      }
    } catch (JOSEException e) {
      throw new TokenRejected("wrong_key", "the issuer's key cannot check this token");
    }
    throw new TokenRejected("wrong_key", "the key does not fit alg " + alg);
  }

  private void checkTimes(JWTClaimsSet claims) {
    Instant now = clock.instant();
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      throw new TokenRejected("no_expiry", "the token has no exp");
    }
    if (!now.isBefore(exp.toInstant().plus(config.leeway()))) {
      throw new TokenRejected("expired", "the token expired");
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && now.isBefore(nbf.toInstant().minus(config.leeway()))) {
      throw new TokenRejected("not_yet_valid", "the token is not valid yet (nbf)");
    }
    Date iat = claims.getIssueTime();
    if (iat != null && now.isBefore(iat.toInstant().minus(config.leeway()))) {
      throw new TokenRejected("not_yet_valid", "the token was issued in the future (iat)");
    }
  }

  private void checkIssuerAndAudience(JWTClaimsSet claims) {
    if (!config.issuer().equals(claims.getIssuer())) {
      throw new TokenRejected("wrong_issuer", "iss is not " + config.issuer());
    }
    List<String> aud = claims.getAudience();
    if (aud != null && !aud.isEmpty()) {
      if (aud.stream().noneMatch(config.audiences()::contains)) {
        throw new TokenRejected("wrong_audience", "no accepted aud");
      }
      return;
    }
    Object clientId = claims.getClaim("client_id");
    if (!(clientId instanceof String id) || !config.audiences().contains(id)) {
      throw new TokenRejected("wrong_audience", "no aud, and client_id is not an accepted audience");
    }
  }

  /** "Bearer abc" (any case) or the bare token, as the identity source hands it over. */
  static String withoutScheme(String value) {
    if (value == null) {
      throw new TokenRejected("missing", "no token");
    }
    String v = value.trim();
    if (v.regionMatches(true, 0, "Bearer ", 0, 7)) {
      v = v.substring(7).trim();
    }
    if (v.isEmpty()) {
      throw new TokenRejected("missing", "no token");
    }
    return v;
  }

  /** What a verified token says: its organisation, its subject, every claim. */
  public record VerifiedToken(OrgId orgId, Optional<String> subject, Map<String, Object> claims) {}
}
