package dev.switchboard.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.testing.TestWorld;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The repositories' JDBC helper and the void transaction, against real PostgreSQL. */
class SqlTest {
  @RegisterExtension final TestWorld world = TestWorld.database();
  private Database database;

  @BeforeEach
  void setUp() {
    database = new Database(DatabaseUrl.parse(world.db().jdbcUrl()));
  }

  @Test
  void oneListAndUpdate_bindInOrder_andMapEachRow() {
    UUID acme = world.db().organization("Acme");
    UUID other = world.db().organization("Other");
    database.useTransaction(tx ->
        assertEquals(1, Sql.update(tx, "UPDATE organizations SET name = ? WHERE id = ?", "Acme Dental", acme)));

    assertEquals(Optional.of("Acme Dental"), database.inTransaction(tx ->
        Sql.one(tx, "SELECT name FROM organizations WHERE id = ?", rs -> rs.getString("name"), acme)));
    assertEquals(Optional.empty(), database.inTransaction(tx ->
        Sql.one(tx, "SELECT name FROM organizations WHERE id = ?", rs -> rs.getString("name"), UUID.randomUUID())));
    assertEquals(List.of("Acme Dental", "Other"), database.inTransaction(tx -> Sql.list(tx,
        "SELECT name FROM organizations WHERE id = ANY (ARRAY[?, ?]::uuid[]) ORDER BY name",
        rs -> rs.getString("name"), other, acme)));
  }

  @Test
  void anInstant_bindsAsATimestamp_andNullBindsAsNull() {
    Instant at = Instant.parse("2026-12-08T01:02:03Z");
    assertTrue(database.inTransaction(tx -> Sql.one(tx, "SELECT ?::timestamptz = '2026-12-08T01:02:03Z' AND ?::uuid IS NULL",
        rs -> rs.getBoolean(1), at, null)).orElseThrow());
  }

  @Test
  void fragments_joinWithOr_andBindTheirValuesInOrder() {
    UUID acme = world.db().organization("Acme");
    Sql.Fragment known = Sql.Fragment.of("EXISTS (SELECT 1 FROM organizations WHERE id = ?)", acme);
    Sql.Fragment unknown = Sql.Fragment.of("EXISTS (SELECT 1 FROM organizations WHERE id = ?)", UUID.randomUUID());
    assertEquals(List.of(true, false, true), List.of(ask(known), ask(unknown), ask(unknown.or(known))));
  }

  @Test
  void useTransaction_rollsBackWhenTheWorkThrows() {
    UUID acme = world.db().organization("Acme");
    assertThrows(IllegalStateException.class, () -> database.useTransaction(tx -> {
      Sql.update(tx, "UPDATE organizations SET name = 'changed' WHERE id = ?", acme);
      throw new IllegalStateException("the work failed");
    }));
    assertEquals("Acme", world.db().row("SELECT name FROM organizations WHERE id = ?", acme).get("name"));
  }

  private boolean ask(Sql.Fragment question) {
    return database.inTransaction(tx -> {
      try (var ps = tx.prepareStatement("SELECT " + question.sql())) {
        question.bind(ps, 1);
        try (var rs = ps.executeQuery()) {
          rs.next();
          return rs.getBoolean(1);
        }
      }
    });
  }
}
