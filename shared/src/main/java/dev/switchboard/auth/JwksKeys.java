package dev.switchboard.auth;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;
import dev.switchboard.log.Log;
import java.io.IOException;
import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The issuer's public keys, from its JWKS URL: fetched on first use, kept for
 * {@code maxAge} (then fetched again on the next use), and fetched again when a token names
 * a {@code kid} the set does not hold, but at most once every {@code refetchInterval}, so a
 * stream of tokens with invented key ids cannot turn the authorizer into a load generator
 * against the issuer. Each fetch is bounded (connect and read time-outs, 64 KiB).
 *
 * <p>When a fetch fails the keys already held stay in use (an issuer's brief outage does not
 * lock everyone out); with none held, it is {@link KeysUnavailable}, not a refusal: the token
 * may be fine, and a refusal would be cached by API Gateway. Built once per container; the clock is wall time, so keys captured in a
 * SnapStart snapshot are old at restore and fetched again on first use.
 */
public final class JwksKeys {
  private static final Log LOG = Log.of(JwksKeys.class);
  private static final int MAX_BYTES = 64 * 1024;

  private final URI url;
  private final ResourceRetriever retriever;
  private final Clock clock;
  private final Duration maxAge;
  private final Duration refetchInterval;
  private JWKSet keys;
  private Instant fetchedAt = Instant.MIN;
  private Instant lastAttempt = Instant.MIN;

  public JwksKeys(URI url, Duration timeout, Duration maxAge, Duration refetchInterval, Clock clock) {
    this.url = url;
    int millis = (int) timeout.toMillis();
    this.retriever = new DefaultResourceRetriever(millis, millis, MAX_BYTES);
    this.clock = clock;
    this.maxAge = maxAge;
    this.refetchInterval = refetchInterval;
  }

  /** The key the token's {@code kid} names; empty when the issuer does not publish it. */
  public synchronized Optional<JWK> key(String kid) {
    Instant now = clock.instant();
    if (keys == null || !now.isBefore(fetchedAt.plus(maxAge))) {
      fetch(now, keys == null ? "first_use" : "max_age");
    }
    JWK key = keys.getKeyByKeyId(kid);
    if (key == null && !now.isBefore(lastAttempt.plus(refetchInterval))) {
      fetch(now, "unknown_kid");
      key = keys.getKeyByKeyId(kid);
    }
    return Optional.ofNullable(key);
  }

  /** Fetches now (SnapStart priming: loads the HTTP and parsing classes). */
  public synchronized void fetchNow() {
    fetch(clock.instant(), "prime");
  }

  private void fetch(Instant now, String why) {
    lastAttempt = now;
    try {
      Resource resource = retriever.retrieveResource(url.toURL());
      JWKSet fetched = JWKSet.parse(resource.getContent());
      keys = fetched;
      fetchedAt = now;
      LOG.info("authorizer.jwks.fetched", "why", why, "keys", fetched.getKeys().size());
    } catch (IOException | ParseException | IllegalArgumentException e) {
      LOG.warn("authorizer.jwks.fetch_failed", "why", why, "errorType", e.getClass().getName());
      if (keys == null) {
        throw new KeysUnavailable("the issuer's key set could not be fetched from " + url, e);
      }
    }
  }

  /** No key could be had from the issuer: an outage, answered as an error (500), never cached. */
  public static final class KeysUnavailable extends RuntimeException implements Log.SafeToLog {
    KeysUnavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
