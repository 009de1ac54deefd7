package dev.switchboard.function.authorizer;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.switchboard.auth.JwksKeys;
import dev.switchboard.config.Settings;
import dev.switchboard.log.Log;
import java.security.SecureRandom;
import java.util.Date;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

/**
 * The authorizer's SnapStart hooks. Before the snapshot: the request path runs once on an
 * event that carries no token (JSON, logging), the issuer's key set is fetched (the HTTP client
 * and the key parsers load), and a token is signed and verified with a throwaway key of each
 * family the allow-list names (the JCA classes load). No key fetched here outlives its age:
 * the cache is timed by the wall clock, so a restore finds it old and fetches again. After a
 * restore: every secret read before the snapshot (the HMAC secret) is forgotten, so it is read
 * again on first use.
 *
 * <p>CRaC holds resources weakly: the handler keeps this object in a field.
 */
final class AuthorizerSnapStart implements Resource {
  private static final Log LOG = Log.of(AuthorizerSnapStart.class);

  private final AuthorizerHandler handler;
  private final Settings settings;

  AuthorizerSnapStart(AuthorizerHandler handler, Settings settings) {
    this.handler = handler;
    this.settings = settings;
  }

  AuthorizerSnapStart register() {
    Core.getGlobalContext().register(this);
    return this;
  }

  @Override
  public void beforeCheckpoint(Context<? extends Resource> context) {
    try {
      handler.decide("{\"version\":\"2.0\",\"type\":\"REQUEST\",\"identitySource\":[\"Bearer priming\"]}");
      handler.verifier().jwks().ifPresent(JwksKeys::fetchNow);
      for (JWSAlgorithm alg : handler.verifier().config().algorithms()) {
        signAndVerify(alg);
      }
    } catch (RuntimeException | JOSEException | java.text.ParseException e) {
      // priming is an optimisation: a failure must never stop the version from publishing
      LOG.warn("snapstart.prime.failed", "errorType", e.getClass().getName());
    }
  }

  @Override
  public void afterRestore(Context<? extends Resource> context) {
    settings.forgetSecrets();
    LOG.info("snapstart.restored");
  }

  /** One throwaway key of the algorithm's family, one token signed and verified with it. */
  private static void signAndVerify(JWSAlgorithm alg) throws JOSEException, java.text.ParseException {
    JWSSigner signer;
    JWSVerifier verifier;
    if (JWSAlgorithm.Family.HMAC_SHA.contains(alg)) {
      byte[] secret = new byte[64];
      new SecureRandom().nextBytes(secret);
      signer = new MACSigner(secret);
      verifier = new MACVerifier(secret);
    } else if (JWSAlgorithm.Family.EC.contains(alg)) {
      ECKey key = new ECKeyGenerator(Curve.forJWSAlgorithm(alg).iterator().next()).generate();
      signer = new ECDSASigner(key);
      verifier = new ECDSAVerifier(key.toPublicJWK());
    } else {
      RSAKey key = new RSAKeyGenerator(2048).generate();
      signer = new RSASSASigner(key);
      verifier = new RSASSAVerifier(key.toPublicJWK());
    }
    SignedJWT jwt = new SignedJWT(new JWSHeader(alg),
        new JWTClaimsSet.Builder().subject("priming").expirationTime(new Date()).build());
    jwt.sign(signer);
    SignedJWT.parse(jwt.serialize()).verify(verifier);
  }
}
