package dev.switchboard.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.config.MissingConfigException;
import dev.switchboard.crypto.SecretCipher.UndecryptableSecret;
import dev.switchboard.testing.LegacyCiphertexts;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Secrets at rest: key ids and a key ring for rotation, and ciphertexts bound to their row. */
class SecretCipherTest {
  static final String OLD = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  static final String NEW = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
  static final String ROW_A = "twilio_subaccounts.auth_token|org-a|AC0000";
  static final String ROW_B = "twilio_subaccounts.auth_token|org-b|AC0000";

  @Test
  void aCiphertextMovedToAnotherRow_doesNotDecrypt() {
    SecretCipher cipher = SecretCipher.fromHexKey(OLD);
    String stored = cipher.encrypt("token-of-org-a", ROW_A);

    assertEquals("token-of-org-a", cipher.decrypt(stored, ROW_A));
    assertThrows(UndecryptableSecret.class, () -> cipher.decrypt(stored, ROW_B));
    assertThrows(UndecryptableSecret.class, () -> cipher.decrypt(stored, ROW_A.replace("AC0000", "AC0001")));
  }

  @Test
  void afterARotation_newWritesUseTheNewestKey_andOldRowsStillRead() {
    SecretCipher before = SecretCipher.fromHexKey("k1:" + OLD);
    String oldRow = before.encrypt("old-token", ROW_A);
    assertTrue(oldRow.startsWith("v2:k1:"), oldRow);

    SecretCipher ring = SecretCipher.fromHexKey("k2:" + NEW + ", k1:" + OLD);
    String newRow = ring.encrypt("new-token", ROW_B);

    assertTrue(newRow.startsWith("v2:k2:"), newRow);
    assertEquals("k2", ring.newestKeyId());
    assertEquals("old-token", ring.decrypt(oldRow, ROW_A));
    assertEquals("new-token", ring.decrypt(newRow, ROW_B));
    assertTrue(ring.isCurrent(newRow) && !ring.isCurrent(oldRow));
    // once the old key is dropped from the ring, a row still under it says which key it needs
    UndecryptableSecret e = assertThrows(UndecryptableSecret.class,
        () -> SecretCipher.fromHexKey("k2:" + NEW).decrypt(oldRow, ROW_A));
    assertTrue(e.getMessage().contains("k1"), e.getMessage());
  }

  /** Rows written before this change: iv:tag:ciphertext, no key id, no associated data. */
  @Test
  void theFormatBeforeKeyIds_stillDecrypts_withAnyKeyOfTheRing(){
    String legacy = LegacyCiphertexts.encrypt(OLD, "legacy-token");

    assertEquals("legacy-token", SecretCipher.fromHexKey(OLD).decrypt(legacy, ROW_A));
    assertEquals("legacy-token", SecretCipher.fromHexKey("k2:" + NEW + ",k1:" + OLD).decrypt(legacy, ROW_B));
    assertThrows(UndecryptableSecret.class, () -> SecretCipher.fromHexKey("k2:" + NEW).decrypt(legacy, ROW_A));
    String tampered = legacy.substring(0, legacy.length() - 1) + (legacy.endsWith("0") ? "1" : "0");
    assertThrows(UndecryptableSecret.class, () -> SecretCipher.fromHexKey(OLD).decrypt(tampered, ROW_A));
  }

  @Test
  void eachEncryptionUsesAFreshIv() {
    SecretCipher cipher = SecretCipher.fromHexKey(OLD);
    assertNotEquals(cipher.encrypt("same", ROW_A), cipher.encrypt("same", ROW_A));
  }

  @Test
  void aMalformedSetting_isRefusedNamingEncryptionKey() {
    for (String bad : List.of("", "abc", OLD + "0", "K1:" + OLD, "k1:" + OLD + ",k1:" + NEW, "k1:" + OLD + ",", "k1=" + OLD,
        "a-very-long-key-id-indeed:" + OLD)) {
      MissingConfigException e = assertThrows(MissingConfigException.class, () -> SecretCipher.fromHexKey(bad), bad);
      assertEquals("ENCRYPTION_KEY", e.name());
      assertTrue(!e.getMessage().contains(OLD), "the message never echoes a key");
    }
  }
}
