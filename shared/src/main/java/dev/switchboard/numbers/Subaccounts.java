package dev.switchboard.numbers;

import dev.switchboard.domain.Country;
import dev.switchboard.domain.OrgId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
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
    try (PreparedStatement ps = tx.prepareStatement("""
        SELECT id, org_id, account_sid, auth_token_encrypted, status FROM twilio_subaccounts WHERE org_id = ?
        """)) {
      ps.setObject(1, orgId.value());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(map(rs)) : Optional.empty();
      }
    }
  }

  /**
   * Records a new subaccount; if a concurrent request recorded one first, keeps that one and
   * returns it (the caller's own then holds nothing and is reported as surplus).
   */
  public StoredSubaccount insertOrGet(Connection tx, OrgId orgId, String accountSid, String encryptedToken,
                                      String friendlyName) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        INSERT INTO twilio_subaccounts (org_id, account_sid, auth_token_encrypted, friendly_name)
        VALUES (?, ?, ?, ?)
        ON CONFLICT (org_id) DO NOTHING
        """)) {
      ps.setObject(1, orgId.value());
      ps.setString(2, accountSid);
      ps.setString(3, encryptedToken);
      ps.setString(4, friendlyName);
      ps.executeUpdate();
    }
    return find(tx, orgId).orElseThrow();
  }

  /** Every subaccount, for the reconciler's orphan check. */
  /** Active subaccounts after {@code afterId} (from the first when empty), in id order: one page of the orphan sweep. */
  public List<StoredSubaccount> page(Connection tx, Optional<UUID> afterId, int limit) throws SQLException {
    List<StoredSubaccount> out = new ArrayList<>();
    try (PreparedStatement ps = tx.prepareStatement("""
        SELECT id, org_id, account_sid, auth_token_encrypted, status FROM twilio_subaccounts
         WHERE status = 'active' AND (?::uuid IS NULL OR id > ?::uuid) ORDER BY id LIMIT ?
        """)) {
      ps.setObject(1, afterId.orElse(null));
      ps.setObject(2, afterId.orElse(null));
      ps.setInt(3, limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(map(rs));
        }
      }
    }
    return out;
  }

  /** Where the orphan sweep stopped: the last subaccount it checked; empty to start from the first. */
  public Optional<UUID> sweepCursor(Connection tx) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement(
        "SELECT after_id FROM reconcile_cursors WHERE name = '" + SWEEP_CURSOR + "'");
         ResultSet rs = ps.executeQuery()) {
      return rs.next() ? Optional.ofNullable(rs.getObject(1, UUID.class)) : Optional.empty();
    }
  }

  public void saveSweepCursor(Connection tx, Optional<UUID> afterId) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        INSERT INTO reconcile_cursors (name, after_id) VALUES ('%s', ?)
        ON CONFLICT (name) DO UPDATE SET after_id = EXCLUDED.after_id, updated_at = now()
        """.formatted(SWEEP_CURSOR))) {
      ps.setObject(1, afterId.orElse(null));
      ps.executeUpdate();
    }
  }


  /**
   * Subaccounts whose token is not yet under the newest key and format ({@code current} is the
   * prefix of a current value), locked for this transaction; rows another run holds are skipped.
   */
  public List<StoredSubaccount> tokensToReencrypt(Connection tx, String current, int limit) throws SQLException {
    List<StoredSubaccount> out = new ArrayList<>();
    try (PreparedStatement ps = tx.prepareStatement("""
        SELECT id, org_id, account_sid, auth_token_encrypted, status FROM twilio_subaccounts
         WHERE left(auth_token_encrypted, length(?)) <> ?
         ORDER BY created_at LIMIT ? FOR UPDATE SKIP LOCKED
        """)) {
      ps.setString(1, current);
      ps.setString(2, current);
      ps.setInt(3, limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(map(rs));
        }
      }
    }
    return out;
  }

  /** Replaces a token's ciphertext (the same secret, under another key or format). */
  public void replaceEncryptedToken(Connection tx, UUID id, String encryptedToken) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement(
        "UPDATE twilio_subaccounts SET auth_token_encrypted = ?, updated_at = now() WHERE id = ?")) {
      ps.setString(1, encryptedToken);
      ps.setObject(2, id);
      ps.executeUpdate();
    }
  }

  public Optional<String> addressSid(Connection tx, UUID subaccountId, Country country) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement(
        "SELECT address_sid FROM twilio_addresses WHERE subaccount_id = ? AND iso_country = ?")) {
      ps.setObject(1, subaccountId);
      ps.setString(2, country.wire());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  public void insertAddress(Connection tx, UUID subaccountId, Country country, String addressSid) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        INSERT INTO twilio_addresses (subaccount_id, iso_country, address_sid) VALUES (?, ?, ?)
        ON CONFLICT (subaccount_id, iso_country) DO NOTHING
        """)) {
      ps.setObject(1, subaccountId);
      ps.setString(2, country.wire());
      ps.setString(3, addressSid);
      ps.executeUpdate();
    }
  }

  private static StoredSubaccount map(ResultSet rs) throws SQLException {
    return new StoredSubaccount(rs.getObject("id", UUID.class), new OrgId(rs.getObject("org_id", UUID.class)),
        rs.getString("account_sid"), rs.getString("auth_token_encrypted"), rs.getString("status"));
  }
}
