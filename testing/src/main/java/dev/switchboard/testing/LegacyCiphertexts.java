package dev.switchboard.testing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Ciphertexts in the format stored before key ids and row binding ({@code iv:tag:ciphertext}
 * in hex, AES-256-GCM, no associated data), written here independently of SecretCipher: what
 * deployed databases hold and must keep reading.
 */
public final class LegacyCiphertexts {
  private LegacyCiphertexts() {}

  public static String encrypt(String hexKey, String plaintext) {
    HexFormat hex = HexFormat.of();
    byte[] iv = hex.parseHex("0102030405060708090a0b0c");
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(hex.parseHex(hexKey), "AES"), new GCMParameterSpec(128, iv));
      byte[] out = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      int tagStart = out.length - 16;
      return hex.formatHex(iv) + ":" + hex.formatHex(out, tagStart, out.length) + ":" + hex.formatHex(out, 0, tagStart);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
