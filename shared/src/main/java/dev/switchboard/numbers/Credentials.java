package dev.switchboard.numbers;

import dev.switchboard.db.Sql;
import dev.switchboard.domain.OrgId;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The SQL of org_credentials, the single source of truth for discovery. The dropdown reads
 * only the plaintext metadata, never encrypted_config: a key change cannot empty it.
 */
public final class Credentials {

  /** Every usable number of the org, managed and BYOC, every direction, each once. */
  public List<DropdownNumber> dropdown(Connection tx, OrgId orgId) throws SQLException {
    List<DropdownNumber> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (DropdownNumber n : Sql.list(tx, """
        SELECT type, is_managed, managed_number_id, metadata::text AS metadata
          FROM org_credentials
         WHERE org_id = ? AND is_active
           AND metadata ->> 'vapiPhoneId' IS NOT NULL AND metadata ->> 'phoneNumber' IS NOT NULL
         ORDER BY is_managed DESC,
                  CASE type WHEN 'inbound' THEN 0 WHEN 'outbound' THEN 1 ELSE 2 END,
                  created_at, id
        """, Credentials::map, orgId.value())) {
      if (n != null && seen.add(n.vapiPhoneId())) {
        out.add(n);
      }
    }
    return out;
  }

  /** Writes the managed number's credential row (the dual write of provisioning). */
  public void insertManaged(Connection tx, OrgId orgId, UUID numberId, String direction,
                            String phoneNumber, String vapiPhoneId) throws SQLException {
    String metadata = Json.write(Json.obj(
        "phoneNumber", phoneNumber,
        "vapiPhoneId", vapiPhoneId,
        "managedNumberId", numberId.toString(),
        "name", managedName(direction)));
    Sql.update(tx, """
        INSERT INTO org_credentials (org_id, provider, type, is_managed, managed_number_id, metadata)
        VALUES (?, 'twilio', ?, true, ?, ?::jsonb)
        """, orgId.value(), direction, numberId, metadata);
  }

  /** Deletes this number's credential row, and only this number's. */
  public int deleteManaged(Connection tx, UUID numberId) throws SQLException {
    return Sql.update(tx, "DELETE FROM org_credentials WHERE managed_number_id = ?", numberId);
  }

  /** Whether the org has an active BYOC inbound number (which blocks a managed inbound one). */
  public boolean hasActiveByocInbound(Connection tx, OrgId orgId) throws SQLException {
    return Sql.one(tx, """
        SELECT 1 FROM org_credentials
         WHERE org_id = ? AND NOT is_managed AND is_active AND type = 'inbound' LIMIT 1
        """, rs -> true, orgId.value()).isPresent();
  }

  /** Every Vapi phone id the dropdown knows (BYOC numbers are imported into Vapi too). */
  public List<String> vapiPhoneIds(Connection tx) throws SQLException {
    return Sql.list(tx, """
        SELECT metadata ->> 'vapiPhoneId' AS vapi_phone_id FROM org_credentials
         WHERE metadata ->> 'vapiPhoneId' IS NOT NULL
        """, rs -> rs.getString("vapi_phone_id"));
  }

  static String managedName(String direction) {
    return "Managed (" + direction + ")";
  }

  private static DropdownNumber map(ResultSet rs) throws SQLException {
    JsonObject metadata = Json.parseObject(rs.getString("metadata"));
    Optional<String> vapiId = metadata.stringAt("vapiPhoneId");
    Optional<String> phone = metadata.stringAt("phoneNumber");
    if (vapiId.isEmpty() || phone.isEmpty()) {
      return null; // not usable by an agent: nothing to show
    }
    boolean managed = rs.getBoolean("is_managed");
    String direction = rs.getString("type");
    String name = metadata.stringAt("name")
        .orElse(managed ? managedName(direction) : "Your number (" + direction + ")");
    UUID managedId = rs.getObject("managed_number_id", UUID.class);
    return new DropdownNumber(vapiId.get(), phone.get(), name, managed, direction,
        managedId == null ? null : managedId.toString());
  }
}
