package dev.switchboard.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.switchboard.testing.EmbeddedDatabase;
import dev.switchboard.testing.PgBouncer;
import dev.switchboard.testing.TestData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two containers' connections through PgBouncer in transaction mode, as through RDS Proxy: their
 * transactions take turns on the same server connection, which only works when neither leaves
 * state on it.
 */
class DatabaseThroughPgBouncerTest {
  private final TestData data = new TestData(EmbeddedDatabase.shared().freshDatabase());
  private final String pooled = PgBouncer.shared().route(data.jdbcUrl());

  @BeforeAll
  static void needsPgBouncer() {
    assumeTrue(PgBouncer.available(), "pgbouncer is not installed (.ci/run installs it)");
  }

  @AfterEach
  void tearDown() {
    data.killOtherConnections();
    data.close();
  }

  /** The server backend that ran one transaction of {@code db}. */
  private static int backendPid(Database db) {
    return db.inTransaction(tx -> {
      try (PreparedStatement ps = tx.prepareStatement("SELECT pg_backend_pid() WHERE 1 = ?")) {
        ps.setInt(1, 1);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getInt(1);
        }
      }
    });
  }

  @Test
  void twoContainersTakingTurns_shareOneServerConnection() {
    List<Database> containers = List.of(new Database(DatabaseUrl.parse(pooled)),
        new Database(DatabaseUrl.parse(pooled)));
    Set<Integer> backends = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      for (Database db : containers) {
        backends.add(backendPid(db));
      }
    }
    // the pooler lent its idle server connection to whichever client came: they shared it
    assertEquals(1, backends.size(), "server connections used: " + backends);
    containers.forEach(Database::closeIdleConnections);
  }

  /** The kit's pooler really multiplexes: what would pin behind RDS Proxy breaks here. */
  @Test
  void statementsPreparedOnTheServer_breakThroughThePooler() {
    Database first = new Database(DatabaseUrl.parse(pooled + "&prepareThreshold=1"));
    Database second = new Database(DatabaseUrl.parse(pooled + "&prepareThreshold=1"));
    DatabaseException e = assertThrows(DatabaseException.class, () -> {
      for (int i = 0; i < 10; i++) {
        backendPid(first);
        backendPid(second);
      }
    });
    // 42P05: "prepared statement S_1 already exists"; 26000: "... does not exist"
    assertTrue(List.of("42P05", "26000").contains(e.sqlState()), e.getMessage());
    first.closeIdleConnections();
    second.closeIdleConnections();
  }
}
