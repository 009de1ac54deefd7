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
import java.util.List;
import java.util.Optional;

/**
 * Checks a delivery's Stripe-Signature header against the raw body with stripe-java
 * ({@code t=…,v1=…}: HMAC-SHA256 of "{t}.{body}" keyed by the whole whsec_ secret), at most
 * 300 s old by the injected clock, against each key {@link WebhookSecrets} accepts now.
 *
 * <p>Nothing is read at construction: the stack writes the signing secret only after this
 * function's version is published (SnapStart runs the constructor then), so the secret is
 * read on the first delivery and, until it exists, deliveries are answered 503
 * {@code webhook_not_ready}, which Stripe retries. Afterwards {@link Settings} keeps it for a
 * bounded time; when a signature does not verify the secret is read once more before the
 * delivery is refused (a redeploy replaced the endpoint). Forced reads happen at most once a
 * minute, so a flood of forged requests cannot turn into a flood of Secrets Manager calls.
 */
public final class WebhookSignature {
  public static final String SECRET_SETTING = "STRIPE_WEBHOOK_SECRET";
  public static final Duration TOLERANCE = Duration.ofSeconds(300);
  static final Duration MIN_REFRESH_INTERVAL = Duration.ofMinutes(1);
  private static final Log LOG = Log.of(WebhookSignature.class);

  private final Settings settings;
  private final Clock clock;
  private volatile Instant lastForcedRead;
  private volatile Instant failedReadAt;

  public WebhookSignature(Settings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
  }

  /** Returns when {@code header} signs {@code payload}; otherwise 400 invalid_signature (503 with no secret yet). */
  public void verify(String payload, Optional<String> header) {
    String signature = header.filter(h -> !h.isBlank()).orElseThrow(
        () -> invalid("the Stripe-Signature header is missing"));
    Optional<String> failure = check(payload, signature, secrets(false));
    if (failure.isEmpty()) {
      return;
    }
    if (mayForceRead()) {
      failure = check(payload, signature, secrets(true));
      if (failure.isEmpty()) {
        LOG.info("stripe.signature.secret_rotated");
        return;
      }
    }
    // the SDK's reasons are fixed texts ("Timestamp outside the tolerance zone", ...): no secret
    LOG.warn("stripe.signature.invalid", "reason", failure.get());
    throw invalid("the Stripe-Signature header does not verify against the body");
  }

  /** Runs the HMAC and header parsing on a throwaway key, for SnapStart priming: reads no secret. */
  public void prime(String payload) {
    check(payload, "t=0,v1=" + "0".repeat(64), WebhookSecrets.only("whsec_priming_only"));
  }

  private WebhookSecrets secrets(boolean forced) {
    Instant failed = failedReadAt;
    if (failed != null && clock.instant().isBefore(failed.plus(MIN_REFRESH_INTERVAL))) {
      throw notReady(); // read and missing less than a minute ago: ask Stripe to come back later
    }
    Optional<String> stored;
    try {
      stored = forced ? settings.refresh(SECRET_SETTING) : settings.get(SECRET_SETTING);
      failedReadAt = null;
    } catch (RuntimeException e) {
      // on a first deploy the secret has no value until the endpoint is registered
      failedReadAt = clock.instant();
      LOG.warn("stripe.signature.secret_unavailable", "errorType", e.getClass().getSimpleName());
      throw notReady();
    }
    try {
      return WebhookSecrets.parse(stored.orElseThrow(WebhookSignature::notReady));
    } catch (IllegalArgumentException e) {
      LOG.error("stripe.signature.secret_unreadable", e);
      throw notReady();
    }
  }

  private Optional<String> check(String payload, String signature, WebhookSecrets secrets) {
    Optional<String> failure = Optional.of("no key");
    List<String> keys = secrets.acceptedAt(clock.instant());
    for (String key : keys) {
      failure = check(payload, signature, key);
      if (failure.isEmpty()) {
        return failure;
      }
    }
    return failure;
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

  /** True at most once a minute: the caller may then read the secret again from the store. */
  private synchronized boolean mayForceRead() {
    Instant now = clock.instant();
    if (lastForcedRead != null && now.isBefore(lastForcedRead.plus(MIN_REFRESH_INTERVAL))) {
      return false;
    }
    lastForcedRead = now;
    return true;
  }

  private static SwitchboardException invalid(String message) {
    return new SwitchboardException(ErrorCode.INVALID_SIGNATURE, message);
  }

  private static SwitchboardException notReady() {
    return new SwitchboardException(ErrorCode.WEBHOOK_NOT_READY,
        "the webhook has no signing secret yet; Stripe retries the delivery");
  }
}
