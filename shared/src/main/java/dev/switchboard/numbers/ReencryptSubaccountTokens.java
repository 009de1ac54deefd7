package dev.switchboard.numbers;

import dev.switchboard.crypto.SecretCipher;
import dev.switchboard.crypto.SecretCipher.UndecryptableSecret;
import dev.switchboard.db.Database;
import dev.switchboard.log.Log;
import dev.switchboard.numbers.Subaccounts.StoredSubaccount;

/**
 * The re-encrypt step of a key rotation: moves subaccount tokens written with an older key
 * of the ring, or in the format before key ids and row binding, to the newest key, bound to
 * their row. Bounded per call and safe to run at once from two places (rows are locked and
 * skipped); a token no key opens is left as it is, counted and logged, never lost.
 */
public final class ReencryptSubaccountTokens {
  private static final Log LOG = Log.of(ReencryptSubaccountTokens.class);

  private final Database db;
  private final SecretCipher cipher;
  private final Subaccounts subaccounts = new Subaccounts();

  public ReencryptSubaccountTokens(Database db, SecretCipher cipher) {
    this.db = db;
    this.cipher = cipher;
  }

  /** What one call did: tokens moved to the newest key, and tokens no key of the ring opens. */
  public record Result(int reencrypted, int undecryptable) {}

  /** Re-encrypts up to {@code limit} tokens in one transaction; with {@code dryRun}, only counts them. */
  public Result run(int limit, boolean dryRun) {
    String current = "v2:" + cipher.newestKeyId() + ":";
    return db.inTransaction(tx -> {
      int done = 0;
      int failed = 0;
      for (StoredSubaccount s : subaccounts.tokensToReencrypt(tx, current, limit)) {
        try {
          String token = cipher.decrypt(s.encryptedToken(), s.tokenBinding());
          if (!dryRun) {
            subaccounts.replaceEncryptedToken(tx, s.id(), cipher.encrypt(token, s.tokenBinding()));
          }
          done++;
        } catch (UndecryptableSecret e) {
          failed++;
          LOG.error("secrets.reencrypt.undecryptable", e, "subaccountId", s.id(), "accountSid", s.accountSid());
        }
      }
      if (done + failed > 0) {
        LOG.info("secrets.reencrypt", "reencrypted", done, "undecryptable", failed, "dryRun", dryRun,
            "keyId", cipher.newestKeyId());
      }
      return new Result(done, failed);
    });
  }
}
