package dev.switchboard.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.switchboard.testing.TestData;
import dev.switchboard.testing.TestWorld;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Least privilege: every function but the migration connects as the application role, which reads
 * and writes rows but cannot change the schema. (The flows themselves run as this role in the
 * reliability suite: its Rig connects every handler as it.)
 */
class ApplicationRoleTest {
  @RegisterExtension static final TestWorld WORLD = TestWorld.database().asApplicationRole();
  private static TestData owner;
  private static String appUrl;
  private static UUID org;

  @BeforeAll
  static void setUp() {
    owner = WORLD.db();
    appUrl = WORLD.functionsJdbcUrl();
    org = owner.organization("Acme", 5000);
  }

  private static void asApp(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(appUrl); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  @Test
  void theApplicationRole_cannotChangeTheSchema() {
    for (String ddl : List.of(
        "CREATE TABLE stolen (x int)",
        "ALTER TABLE organizations ADD COLUMN backdoor text",
        "ALTER TABLE credit_transactions DISABLE TRIGGER ALL",
        "DROP TABLE stripe_webhook_events",
        "TRUNCATE credit_transactions",
        "CREATE OR REPLACE FUNCTION ledger_apply() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'",
        "CREATE INDEX sneaky ON organizations (name)")) {
      SQLException e = assertThrows(SQLException.class, () -> asApp(ddl), ddl);
      assertEquals("42501", e.getSQLState(), ddl + ": " + e.getMessage()); // insufficient_privilege
    }
  }

  @Test
  void theApplicationRole_onlyAppendsToTheLedger_andCannotReadTheMigrationHistory() throws SQLException {
    asApp("INSERT INTO credit_transactions (org_id, type, direction, amount_pence, description)"
        + " VALUES ('" + org + "', 'adjustment', 'credit', 100, 'as the app')");
    assertEquals(5100, owner.balance(org));
    for (String sql : List.of("UPDATE credit_transactions SET description = 'x'", "DELETE FROM credit_transactions",
        "SELECT * FROM flyway_schema_history", "DELETE FROM flyway_schema_history")) {
      SQLException e = assertThrows(SQLException.class, () -> asApp(sql), sql);
      assertEquals("42501", e.getSQLState(), sql + ": " + e.getMessage());
    }
  }

  @Test
  void theApplicationRole_readsAndWritesTheRowsOfEveryTable() throws SQLException {
    List<String> tables = owner.rows("""
        SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'flyway_schema_history'
        ORDER BY 1""").stream().map(r -> r.get("tablename").toString()).toList();
    for (String table : tables) {
      asApp("SELECT count(*) FROM " + table);
      for (String privilege : table.equals("credit_transactions") ? List.of("INSERT") : List.of("INSERT", "UPDATE", "DELETE")) {
        assertEquals(1, owner.count("SELECT count(*) FROM (SELECT has_table_privilege(?, ?, ?) AS p) x WHERE p",
            SchemaMigrator.DEFAULT_APP_ROLE, table, privilege), table + " " + privilege);
      }
    }
  }
}
