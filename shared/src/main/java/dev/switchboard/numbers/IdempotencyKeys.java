package dev.switchboard.numbers;

import dev.switchboard.domain.OrgId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;

/**
 * The SQL of idempotency_keys: a client's {@code Idempotency-Key} and the first answer given
 * to it. A key is inserted in the transaction that charges the wallet and completed in the one
 * that settles the number, so a retry can never buy twice and always gets the first answer.
 */
public final class IdempotencyKeys {
  public static final String PROVISION = "provision";

  /** A stored key: its request fingerprint, and the answer once there is one. */
  public record StoredKey(String requestHash, boolean completed, Optional<UUID> numberId,
                          int responseStatus, String responseBody) {}

  public Optional<StoredKey> lock(Connection tx, OrgId orgId, String scope, String key) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        SELECT request_hash, status, managed_number_id, response_status, response_body
          FROM idempotency_keys WHERE org_id = ? AND scope = ? AND key = ? FOR UPDATE
        """)) {
      ps.setObject(1, orgId.value());
      ps.setString(2, scope);
      ps.setString(3, key);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(new StoredKey(rs.getString("request_hash"), "completed".equals(rs.getString("status")),
            Optional.ofNullable(rs.getObject("managed_number_id", UUID.class)),
            rs.getInt("response_status"), rs.getString("response_body")));
      }
    }
  }

  public void begin(Connection tx, OrgId orgId, String scope, String key, String requestHash, UUID numberId)
      throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        INSERT INTO idempotency_keys (org_id, scope, key, request_hash, status, managed_number_id)
        VALUES (?, ?, ?, ?, 'in_progress', ?)
        """)) {
      ps.setObject(1, orgId.value());
      ps.setString(2, scope);
      ps.setString(3, key);
      ps.setString(4, requestHash);
      ps.setObject(5, numberId);
      ps.executeUpdate();
    }
  }

  /** Stores an answer given without a number (a refusal): inserted complete. */
  public void recordRefusal(Connection tx, OrgId orgId, String scope, String key, String requestHash,
                            int status, String body) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        INSERT INTO idempotency_keys (org_id, scope, key, request_hash, status, response_status, response_body, completed_at)
        VALUES (?, ?, ?, ?, 'completed', ?, ?, now())
        ON CONFLICT DO NOTHING
        """)) {
      ps.setObject(1, orgId.value());
      ps.setString(2, scope);
      ps.setString(3, key);
      ps.setString(4, requestHash);
      ps.setInt(5, status);
      ps.setString(6, body);
      ps.executeUpdate();
    }
  }

  /** Completes the key of a number with the answer its saga ended with. */
  public void completeForNumber(Connection tx, UUID numberId, int status, String body) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement("""
        UPDATE idempotency_keys SET status = 'completed', response_status = ?, response_body = ?, completed_at = now()
         WHERE managed_number_id = ? AND status = 'in_progress'
        """)) {
      ps.setInt(1, status);
      ps.setString(2, body);
      ps.setObject(3, numberId);
      ps.executeUpdate();
    }
  }

  /** Forgets completed keys older than a day: clients retry within minutes, not days. */
  public int purgeExpired(Connection tx) throws SQLException {
    try (PreparedStatement ps = tx.prepareStatement(
        "DELETE FROM idempotency_keys WHERE status = 'completed' AND completed_at < now() - interval '24 hours'")) {
      return ps.executeUpdate();
    }
  }
}
