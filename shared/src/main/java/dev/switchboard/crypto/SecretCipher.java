package dev.switchboard.crypto;

import dev.switchboard.config.MissingConfigException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM for provider secrets at rest (Twilio subaccount tokens): stored as
 * {@code iv:tag:ciphertext} in hex with a 12-byte random IV and a 16-byte tag.
 */
public final class SecretCipher {
  private static final int IV_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final HexFormat HEX = HexFormat.of();

  private final SecretKeySpec key;
  private final SecureRandom random;

  private SecretCipher(byte[] key, SecureRandom random) {
    this.key = new SecretKeySpec(key, "AES");
    this.random = random;
  }

  /** From {@code ENCRYPTION_KEY}: 64 hex characters. */
  public static SecretCipher fromHexKey(String hex) {
    if (hex == null || !hex.matches("[0-9a-fA-F]{64}")) {
      throw new MissingConfigException("ENCRYPTION_KEY",
          "ENCRYPTION_KEY must be 64 hex characters (a 256-bit key)");
    }
    return new SecretCipher(HEX.parseHex(hex), new SecureRandom());
  }

  public String encrypt(String plaintext) {
    byte[] iv = new byte[IV_BYTES];
    random.nextBytes(iv);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
      byte[] out = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      int tagStart = out.length - TAG_BITS / 8;
      byte[] body = java.util.Arrays.copyOfRange(out, 0, tagStart);
      byte[] tag = java.util.Arrays.copyOfRange(out, tagStart, out.length);
      return HEX.formatHex(iv) + ":" + HEX.formatHex(tag) + ":" + HEX.formatHex(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  /** Throws {@link UndecryptableSecret} for a wrong key or a tampered value. */
  public String decrypt(String stored) {
    String[] parts = stored == null ? new String[0] : stored.split(":");
    if (parts.length != 3) {
      throw new UndecryptableSecret("stored secret is not iv:tag:ciphertext");
    }
    try {
      byte[] iv = HEX.parseHex(parts[0]);
      byte[] tag = HEX.parseHex(parts[1]);
      byte[] body = HEX.parseHex(parts[2]);
      byte[] joined = new byte[body.length + tag.length];
      System.arraycopy(body, 0, joined, 0, body.length);
      System.arraycopy(tag, 0, joined, body.length, tag.length);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
      return new String(cipher.doFinal(joined), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new UndecryptableSecret("stored secret cannot be decrypted with this key");
    }
  }

  /** Re-seeds the IV source: after a SnapStart restore, clones must not share a random state. */
  public void reseed() {
    random.setSeed(random.generateSeed(32));
  }

  /** A stored secret that this key cannot open (a key change, or tampering). */
  public static final class UndecryptableSecret extends RuntimeException
      implements dev.switchboard.log.Log.SafeToLog {
    public UndecryptableSecret(String message) {
      super(message);
    }
  }
}
