package dev.switchboard.numbers;

import dev.switchboard.db.Sql;
import dev.switchboard.domain.Country;
import dev.switchboard.domain.OrgId;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The SQL of twilio_subaccounts and their regulatory addresses. Tokens are stored encrypted. */
public final class Subaccounts {
  private static final String SWEEP_CURSOR = "orphan_sweep";

  /** An org's subaccount as stored; the token stays encrypted until it is needed. */
  public record StoredSubaccount(UUID id, OrgId orgId, String accountSid, String encryptedToken, String status) {
    public boolean isActive() {
      return "active".equals(status);
    }

    /** The associated data its token is encrypted under: this org's row for this account. */
    public String tokenBinding() {
      return Subaccounts.tokenBinding(orgId, accountSid);
    }

    @Override
    public String toString() {
      return "StoredSubaccount[" + accountSid + ", " + status + "]";
    }
  }

  /**
   * What a subaccount token is bound to (AES-GCM associated data): the table, the org and the
   * account SID, so a token copied into another org's row, or under another SID, does not decrypt.
   */
  public static String tokenBinding(OrgId orgId, String accountSid) {
    return "twilio_subaccounts.auth_token|" + orgId + "|" + accountSid;
  }

  public Optional<StoredSubaccount> find(Connection tx, OrgId orgId) throws SQLException {
    return Sql.one(tx, """
        SELECT id, org_id, account_sid, auth_token_encrypted, status FROM twilio_subaccounts WHERE org_id = ?
        """, Subaccounts::map, orgId.value());
  }

  /**
   * Records a new subaccount; if a concurrent request recorded one first, keeps that one and
   * returns it (the caller's own then holds nothing and is reported as surplus).
   */
  public StoredSubaccount insertOrGet(Connection tx, OrgId orgId, String accountSid, String encryptedToken,
                                      String friendlyName) throws SQLException {
    Sql.update(tx, """
        INSERT INTO twilio_subaccounts (org_id, account_sid, auth_token_encrypted, friendly_name)
        VALUES (?, ?, ?, ?)
        ON CONFLICT (org_id) DO NOTHING
        """, orgId.value(), accountSid, encryptedToken, friendlyName);
    return find(tx, orgId).orElseThrow();
  }

  /** Active subaccounts after {@code afterId} (from the first when empty), in id order: one page of the orphan sweep. */
  public List<StoredSubaccount> page(Connection tx, Optional<UUID> afterId, int limit) throws SQLException {
    return Sql.list(tx, """
        SELECT id, org_id, account_sid, auth_token_encrypted, status FROM twilio_subaccounts
         WHERE status = 'active' AND (?::uuid IS NULL OR id > ?::uuid) ORDER BY id LIMIT ?
        """, Subaccounts::map, afterId.orElse(null), afterId.orElse(null), limit);
  }

  /** Where the orphan sweep stopped: the last subaccount it checked; empty to start from the first. */
  public Optional<UUID> sweepCursor(Connection tx) throws SQLException {
    return Sql.one(tx, "SELECT after_id FROM reconcile_cursors WHERE name = ?",
        rs -> Optional.ofNullable(rs.getObject("after_id", UUID.class)), SWEEP_CURSOR).flatMap(id -> id);
  }

  public void saveSweepCursor(Connection tx, Optional<UUID> afterId) throws SQLException {
    Sql.update(tx, """
        INSERT INTO reconcile_cursors (name, after_id) VALUES (?, ?)
        ON CONFLICT (name) DO UPDATE SET after_id = EXCLUDED.after_id, updated_at = now()
        """, SWEEP_CURSOR, afterId.orElse(null));
  }

  /**
   * Subaccounts whose token is not yet under the newest key and format ({@code current} is the
   * prefix of a current value), locked for this transaction; rows another run holds are skipped.
   */
  public List<StoredSubaccount> tokensToReencrypt(Connection tx, String current, int limit) throws SQLException {
    return Sql.list(tx, """
        SELECT id, org_id, account_sid, auth_token_encrypted, status FROM twilio_subaccounts
         WHERE left(auth_token_encrypted, length(?)) <> ?
         ORDER BY created_at LIMIT ? FOR UPDATE SKIP LOCKED
        """, Subaccounts::map, current, current, limit);
  }

  /** Replaces a token's ciphertext (the same secret, under another key or format). */
  public void replaceEncryptedToken(Connection tx, UUID id, String encryptedToken) throws SQLException {
    Sql.update(tx, "UPDATE twilio_subaccounts SET auth_token_encrypted = ?, updated_at = now() WHERE id = ?",
        encryptedToken, id);
  }

  public Optional<String> addressSid(Connection tx, UUID subaccountId, Country country) throws SQLException {
    return Sql.one(tx, "SELECT address_sid FROM twilio_addresses WHERE subaccount_id = ? AND iso_country = ?",
        rs -> rs.getString("address_sid"), subaccountId, country.wire());
  }

  public void insertAddress(Connection tx, UUID subaccountId, Country country, String addressSid) throws SQLException {
    Sql.update(tx, """
        INSERT INTO twilio_addresses (subaccount_id, iso_country, address_sid) VALUES (?, ?, ?)
        ON CONFLICT (subaccount_id, iso_country) DO NOTHING
        """, subaccountId, country.wire(), addressSid);
  }

  private static StoredSubaccount map(ResultSet rs) throws SQLException {
    return new StoredSubaccount(rs.getObject("id", UUID.class), new OrgId(rs.getObject("org_id", UUID.class)),
        rs.getString("account_sid"), rs.getString("auth_token_encrypted"), rs.getString("status"));
  }
}
