package dev.switchboard.crypto;

import dev.switchboard.config.Credential;
import dev.switchboard.config.MissingConfigException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM for provider secrets at rest (Twilio subaccount tokens), with a key ring and
 * each ciphertext bound to its row.
 *
 * <ul>
 *   <li>Stored as {@code v2:<key id>:<iv>:<tag>:<ciphertext>} (hex; 12-byte random IV, 16-byte
 *       tag). The key id names the key that wrote it, so keys can be rotated: new writes use
 *       the newest key of the ring, older rows still read with theirs until the re-encrypt
 *       step ({@code ReencryptSubaccountTokens}) has moved them to the newest.</li>
 *   <li>Associated data (GCM's AAD) names the row the secret belongs to (for a subaccount
 *       token: its org id and account SID). A ciphertext copied into another org's row does
 *       not decrypt there.</li>
 *   <li>The format before key ids and AAD ({@code iv:tag:ciphertext}) still decrypts, with
 *       any key of the ring and no associated data, so rows written before this change keep
 *       working until they are re-encrypted.</li>
 * </ul>
 *
 * <p>ENCRYPTION_KEY is one key, 64 hex characters (its id is {@value #SINGLE_KEY_ID}), or a
 * ring {@code <id>:<64 hex>,<id>:<64 hex>…}, newest first; ids are 1 to 16 lower-case letters,
 * digits, '-' or '_'.
 *
 * <p>Built {@link #from(Credential)}, the ring follows the setting as {@code Settings} has it
 * (cached for a bounded age, forgotten after a SnapStart restore), so a key added by a
 * rotation reaches running and restored instances; and a row written with a key id this ring
 * does not hold yet (by an instance that read the rotated ring first) makes it read the
 * setting again once before giving up.
 */
public final class SecretCipher {
  static final String SINGLE_KEY_ID = "k0";
  private static final String VERSION = "v2";
  private static final int IV_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final HexFormat HEX = HexFormat.of();
  private static final Pattern HEX_KEY = Pattern.compile("[0-9a-fA-F]{64}");
  private static final Pattern KEY_ID = Pattern.compile("[a-z0-9_-]{1,16}");

  private final Supplier<String> setting;
  private final Predicate<String> reread;
  private final SecureRandom random = new SecureRandom();
  private volatile Ring ring;

  /** The keys parsed from one value of the setting; the newest writes. */
  private record Ring(String setting, String newestId, Map<String, SecretKeySpec> keys) {
    boolean lacksKeyOf(String stored) {
      String[] parts = stored == null ? new String[0] : stored.split(":", -1);
      return parts.length == 5 && parts[0].equals(VERSION) && !keys.containsKey(parts[1]);
    }

    @Override
    public String toString() {
      return "Ring" + keys.keySet(); // never the keys
    }
  }

  /** {@code reread}: asked with the value a ring came from, whether the store now holds another. */
  private SecretCipher(Supplier<String> setting, Predicate<String> reread) {
    this.setting = setting;
    this.reread = reread;
    ring(); // a malformed setting stops the start, naming it
  }

  /** From one fixed value of {@code ENCRYPTION_KEY}: one key as 64 hex characters, or a key ring, newest first. */
  public static SecretCipher fromHexKey(String setting) {
    return new SecretCipher(() -> setting, used -> false);
  }

  /** From {@code ENCRYPTION_KEY} as its credential has it at each use: rotations reach this instance. */
  public static SecretCipher from(Credential setting) {
    return new SecretCipher(setting::current, setting::reread);
  }

  /** The ring for the setting's current value; parsed again only when the value changed. */
  private Ring ring() {
    String current = setting.get();
    Ring r = ring;
    if (r == null || !r.setting().equals(current)) {
      r = parse(current);
      ring = r;
    }
    return r;
  }

  private static Ring parse(String setting) {
    if (setting == null || setting.isBlank()) {
      throw invalidSetting();
    }
    String trimmed = setting.trim();
    Map<String, SecretKeySpec> keys = new LinkedHashMap<>();
    if (HEX_KEY.matcher(trimmed).matches()) {
      keys.put(SINGLE_KEY_ID, new SecretKeySpec(HEX.parseHex(trimmed), "AES"));
    } else {
      for (String entry : trimmed.split(",", -1)) {
        String[] idAndKey = entry.trim().split(":", 2);
        if (idAndKey.length != 2 || !KEY_ID.matcher(idAndKey[0]).matches()
            || !HEX_KEY.matcher(idAndKey[1]).matches() || keys.containsKey(idAndKey[0])) {
          throw invalidSetting();
        }
        keys.put(idAndKey[0], new SecretKeySpec(HEX.parseHex(idAndKey[1]), "AES"));
      }
    }
    return new Ring(setting, keys.keySet().iterator().next(), Map.copyOf(keys));
  }

  private static MissingConfigException invalidSetting() {
    return new MissingConfigException("ENCRYPTION_KEY", "ENCRYPTION_KEY must be 64 hex characters (a 256-bit key),"
        + " or a key ring <id>:<64 hex>,<id>:<64 hex>… with the newest key first");
  }

  /** The id of the key new writes use. */
  public String newestKeyId() {
    return ring().newestId();
  }

  /** Whether {@code stored} was written by the newest key in the current format (nothing to re-encrypt). */
  public boolean isCurrent(String stored) {
    return stored != null && stored.startsWith(VERSION + ":" + ring().newestId() + ":");
  }

  /** Encrypts with the newest key, bound to {@code associatedData} (what names the row). */
  public String encrypt(String plaintext, String associatedData) {
    Ring r = ring();
    String newestId = r.newestId();
    byte[] iv = new byte[IV_BYTES];
    random.nextBytes(iv);
    byte[] out = run(Cipher.ENCRYPT_MODE, r.keys().get(newestId), iv, associatedData,
        plaintext.getBytes(StandardCharsets.UTF_8));
    int tagStart = out.length - TAG_BITS / 8;
    return String.join(":", VERSION, newestId, HEX.formatHex(iv),
        HEX.formatHex(Arrays.copyOfRange(out, tagStart, out.length)), HEX.formatHex(Arrays.copyOfRange(out, 0, tagStart)));
  }

  /**
   * Decrypts a value written by {@link #encrypt} for the same {@code associatedData}, or one in
   * the format before key ids (no associated data then). Throws {@link UndecryptableSecret}
   * for a key the ring does not hold, another row's value, or a tampered one.
   */
  public String decrypt(String stored, String associatedData) {
    Ring r = ring();
    if (r.lacksKeyOf(stored) && reread.test(r.setting())) {
      r = ring(); // the setting changed since it was read: a rotation added the key
    }
    return decrypt(r.keys(), stored, associatedData);
  }

  private static String decrypt(Map<String, SecretKeySpec> keys, String stored, String associatedData) {
    String[] parts = stored == null ? new String[0] : stored.split(":", -1);
    try {
      if (parts.length == 5 && parts[0].equals(VERSION)) {
        SecretKeySpec key = keys.get(parts[1]);
        if (key == null) {
          throw new UndecryptableSecret("stored secret was written with key id " + parts[1]
              + ", which ENCRYPTION_KEY does not hold");
        }
        return open(key, parts[2], parts[3], parts[4], associatedData);
      }
      if (parts.length == 3) {
        // written before key ids and associated data: any key of the ring may have written it
        for (SecretKeySpec key : keys.values()) {
          try {
            return open(key, parts[0], parts[1], parts[2], null);
          } catch (GeneralSecurityException wrongKey) {
            // try the next key
          }
        }
        throw new UndecryptableSecret("stored secret (written before key ids) opens with no key of ENCRYPTION_KEY");
      }
      throw new UndecryptableSecret("stored secret is not in a known format");
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new UndecryptableSecret("stored secret cannot be decrypted with this key for this row");
    }
  }

  private static String open(SecretKeySpec key, String ivHex, String tagHex, String bodyHex, String associatedData)
      throws GeneralSecurityException {
    byte[] body = HEX.parseHex(bodyHex);
    byte[] tag = HEX.parseHex(tagHex);
    byte[] joined = Arrays.copyOf(body, body.length + tag.length);
    System.arraycopy(tag, 0, joined, body.length, tag.length);
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, HEX.parseHex(ivHex)));
    if (associatedData != null) {
      cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
    }
    return new String(cipher.doFinal(joined), StandardCharsets.UTF_8);
  }

  private static byte[] run(int mode, SecretKeySpec key, byte[] iv, String associatedData, byte[] input) {
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, iv));
      cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
      return cipher.doFinal(input);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  /** Re-seeds the IV source: after a SnapStart restore, clones must not share a random state. */
  public void reseed() {
    random.setSeed(random.generateSeed(32));
  }

  /** A stored secret that this key ring cannot open for this row (a key missing, another row's value, tampering). */
  public static final class UndecryptableSecret extends RuntimeException
      implements dev.switchboard.log.Log.SafeToLog {
    public UndecryptableSecret(String message) {
      super(message);
    }
  }
}
