package dev.switchboard.testing.stripe;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs a webhook payload exactly as Stripe does: header {@code t=<unix seconds>,v1=<hex>},
 * where v1 is the HMAC-SHA256 of "{t}.{raw body}" keyed by the whole {@code whsec_…} string
 * (not its base64 part).
 */
public final class StripeSignatures {
  private StripeSignatures() {}

  public static String header(String payload, String secret, Instant at) {
    long t = at.getEpochSecond();
    return "t=" + t + ",v1=" + hmac(t + "." + payload, secret);
  }

  /** A header carrying several v1 signatures, as Stripe sends while a secret is rolled. */
  public static String header(String payload, Instant at, String... secrets) {
    long t = at.getEpochSecond();
    StringBuilder sb = new StringBuilder("t=").append(t);
    for (String secret : secrets) {
      sb.append(",v1=").append(hmac(t + "." + payload, secret));
    }
    return sb.toString();
  }

  static String hmac(String message, String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
