package dev.switchboard.testing.stripe;

import com.stripe.net.Webhook;
import java.security.GeneralSecurityException;
import java.time.Instant;

/**
 * Signs a webhook payload as Stripe does, with stripe-java's own helpers: header
 * {@code t=<unix seconds>,v1=<hex>}, where v1 is the HMAC-SHA256 of "{t}.{raw body}" keyed by
 * the whole {@code whsec_…} string.
 */
public final class StripeSignatures {
  private StripeSignatures() {}

  public static String header(String payload, String secret, Instant at) {
    try {
      return Webhook.Signature.generateSignatureHeader(payload, secret, at.getEpochSecond());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  /**
   * A header carrying several v1 signatures, as Stripe sends while a secret is rolled
   * (stripe-java generates one signature per header, so the header is put together here).
   */
  public static String header(String payload, Instant at, String... secrets) {
    long t = at.getEpochSecond();
    StringBuilder sb = new StringBuilder("t=").append(t);
    try {
      for (String secret : secrets) {
        sb.append(",v1=").append(Webhook.Util.computeHmacSha256(secret, t + "." + payload));
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
    return sb.toString();
  }
}
