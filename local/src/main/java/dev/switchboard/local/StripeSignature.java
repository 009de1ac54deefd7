package dev.switchboard.local;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs a webhook payload as Stripe does: HMAC-SHA256 over {@code "{t}.{body}"} keyed by the
 * whole {@code whsec_...} string, sent as {@code Stripe-Signature: t=<t>,v1=<hex>}.
 */
final class StripeSignature {
  private StripeSignature() {}

  static String header(String payload, String secret, long timestampSeconds) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] signature = mac.doFinal((timestampSeconds + "." + payload).getBytes(StandardCharsets.UTF_8));
      return "t=" + timestampSeconds + ",v1=" + HexFormat.of().formatHex(signature);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
