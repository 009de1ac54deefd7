package dev.switchboard.stripe;

import com.stripe.exception.SignatureVerificationException;
import com.stripe.net.Webhook;
import dev.switchboard.config.Settings;
import dev.switchboard.error.ErrorCode;
import dev.switchboard.error.SwitchboardException;
import dev.switchboard.log.Log;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Checks a delivery's Stripe-Signature header against the raw body with stripe-java
 * ({@code t=…,v1=…}: HMAC-SHA256 of "{t}.{body}" keyed by the whole whsec_ secret), at most
 * 300 s old by the injected clock.
 *
 * <p>The signing secret is read at start-up. A redeploy may re-create the endpoint and rotate
 * the secret under a warm container, so when a signature does not verify the secret is read
 * once more before the delivery is refused; at most once a minute, so a flood of forged
 * requests cannot turn into a flood of Secrets Manager calls.
 */
public final class WebhookSignature {
  public static final String SECRET_SETTING = "STRIPE_WEBHOOK_SECRET";
  public static final Duration TOLERANCE = Duration.ofSeconds(300);
  static final Duration MIN_REFRESH_INTERVAL = Duration.ofMinutes(1);
  private static final Log LOG = Log.of(WebhookSignature.class);

  private final Settings settings;
  private final Clock clock;
  private volatile String secret;
  private volatile Instant lastRefresh;

  public WebhookSignature(Settings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.secret = settings.require(SECRET_SETTING);
  }

  /** Returns when {@code header} signs {@code payload}; otherwise 400 invalid_signature. */
  public void verify(String payload, Optional<String> header) {
    String signature = header.filter(h -> !h.isBlank()).orElseThrow(
        () -> invalid("the Stripe-Signature header is missing"));
    Optional<String> failure = check(payload, signature, secret);
    if (failure.isEmpty()) {
      return;
    }
    if (refreshSecret()) {
      failure = check(payload, signature, secret);
      if (failure.isEmpty()) {
        LOG.info("stripe.signature.secret_rotated");
        return;
      }
    }
    // the SDK's reasons are fixed texts ("Timestamp outside the tolerance zone", ...): no secret
    LOG.warn("stripe.signature.invalid", "reason", failure.get());
    throw invalid("the Stripe-Signature header does not verify against the body");
  }

  private Optional<String> check(String payload, String signature, String key) {
    try {
      Webhook.Signature.verifyHeader(payload, signature, key, TOLERANCE.toSeconds(), clock);
      return Optional.empty();
    } catch (SignatureVerificationException e) {
      return Optional.of(String.valueOf(e.getMessage()));
    } catch (RuntimeException e) {
      // a header the SDK cannot even parse ("t=abc"): as unverified as a wrong signature
      return Optional.of("unreadable header (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** Re-reads the secret unless that was done less than a minute ago; true when it changed. */
  private synchronized boolean refreshSecret() {
    Instant now = clock.instant();
    if (lastRefresh != null && now.isBefore(lastRefresh.plus(MIN_REFRESH_INTERVAL))) {
      return false;
    }
    lastRefresh = now;
    Optional<String> fresh;
    try {
      fresh = settings.refresh(SECRET_SETTING);
    } catch (RuntimeException e) {
      LOG.error("stripe.signature.secret_refresh_failed", e);
      return false;
    }
    if (fresh.isEmpty() || fresh.get().equals(secret)) {
      return false;
    }
    secret = fresh.get();
    return true;
  }

  private static SwitchboardException invalid(String message) {
    return new SwitchboardException(ErrorCode.INVALID_SIGNATURE, message);
  }
}
