package dev.switchboard.org;

import dev.switchboard.db.Sql;
import dev.switchboard.domain.OrgId;
import dev.switchboard.domain.Pence;
import dev.switchboard.domain.TelephonyMode;
import dev.switchboard.domain.WireValue;
import dev.switchboard.error.SwitchboardException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/** The SQL of the organizations table. Rows are created by the wider platform. */
public final class Organizations {

  /** What we read of an organisation. */
  public record Organization(OrgId id, String name, Pence balance, TelephonyMode telephonyMode,
                             Optional<String> stripeCustomerId) {}

  public Optional<Organization> find(Connection tx, OrgId orgId) throws SQLException {
    return select(tx, orgId, """
        SELECT id, name, wallet_balance_pence, telephony_mode, stripe_customer_id
          FROM organizations WHERE id = ?
        """);
  }

  /** Locks the org row until the transaction ends: the one lock the money paths share. */
  public Organization lock(Connection tx, OrgId orgId) throws SQLException {
    return select(tx, orgId, """
        SELECT id, name, wallet_balance_pence, telephony_mode, stripe_customer_id
          FROM organizations WHERE id = ? FOR UPDATE
        """).orElseThrow(SwitchboardException::orgNotFound);
  }

  public Organization require(Connection tx, OrgId orgId) throws SQLException {
    return find(tx, orgId).orElseThrow(SwitchboardException::orgNotFound);
  }

  public void setTelephonyMode(Connection tx, OrgId orgId, TelephonyMode mode) throws SQLException {
    Sql.update(tx, """
        UPDATE organizations SET telephony_mode = ?, updated_at = now()
         WHERE id = ? AND telephony_mode <> ?
        """, mode.wire(), orgId.value(), mode.wire());
  }

  /**
   * Whether the organisation exists, as a condition another statement asks in its own round
   * trip. An organisation's row is never deleted, so an older snapshot cannot be wrong about it.
   */
  public static Sql.Fragment exists(OrgId orgId) {
    return Sql.Fragment.of("EXISTS (SELECT 1 FROM organizations WHERE id = ?)", orgId.value());
  }

  private Optional<Organization> select(Connection tx, OrgId orgId, String sql) throws SQLException {
    return Sql.one(tx, sql, Organizations::map, orgId.value());
  }

  private static Organization map(ResultSet rs) throws SQLException {
    return new Organization(
        new OrgId(rs.getObject("id", java.util.UUID.class)),
        rs.getString("name"),
        Pence.of(rs.getLong("wallet_balance_pence")),
        WireValue.require(TelephonyMode.class, rs.getString("telephony_mode")),
        Optional.ofNullable(rs.getString("stripe_customer_id")));
  }
}
