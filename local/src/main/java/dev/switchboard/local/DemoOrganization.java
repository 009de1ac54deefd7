package dev.switchboard.local;

import dev.switchboard.testing.Events;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.UUID;

/**
 * The organisation a local run starts with: created as the wider platform creates one
 * ({@code INSERT (id, name)}: wallet £0.00), with an inbound and an outbound agent. Its id is
 * the one the {@code events/} files carry, so {@code invoke} with a sample event finds it.
 * Seeding is idempotent: a second run changes nothing.
 */
final class DemoOrganization {
  static final UUID ORG_ID = Events.ORG;
  static final UUID INBOUND_AGENT = UUID.fromString("11111111-1111-4111-8111-000000000001");
  static final UUID OUTBOUND_AGENT = UUID.fromString("11111111-1111-4111-8111-000000000002");

  private DemoOrganization() {}

  static UUID seed(String jdbcUrl) {
    return seed(jdbcUrl, ORG_ID, INBOUND_AGENT, OUTBOUND_AGENT, "Demo organisation");
  }

  /** A brand-new organisation of its own (the demo's, so it never meets an earlier run's numbers). */
  static UUID seedNew(String jdbcUrl, String name) {
    return seed(jdbcUrl, UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), name);
  }

  private static UUID seed(String jdbcUrl, UUID org, UUID inbound, UUID outbound, String name) {
    try (Connection c = DriverManager.getConnection(jdbcUrl)) {
      c.setAutoCommit(false);
      update(c, "INSERT INTO organizations (id, name) VALUES (?, ?) ON CONFLICT (id) DO NOTHING", org, name);
      update(c, "INSERT INTO agents (id, org_id, role, name) VALUES (?, ?, 'inbound', 'Receptionist') "
          + "ON CONFLICT (id) DO NOTHING", inbound, org);
      update(c, "INSERT INTO agents (id, org_id, role, name) VALUES (?, ?, 'outbound', 'Caller') "
          + "ON CONFLICT (id) DO NOTHING", outbound, org);
      c.commit();
      return org;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot seed the demo organisation: " + e.getMessage(), e);
    }
  }

  private static void update(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      ps.executeUpdate();
    }
  }
}
