package dev.switchboard.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.switchboard.testing.EmbeddedDatabase;
import dev.switchboard.testing.TestData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The connection handling a Lambda container relies on, against a real PostgreSQL. */
class DatabaseTest {
  private TestData data;
  private Database db;

  @BeforeEach
  void setUp() {
    data = new TestData(EmbeddedDatabase.shared().freshDatabase());
    db = new Database(DatabaseUrl.parse(data.jdbcUrl()));
  }

  @AfterEach
  void tearDown() {
    db.closeIdleConnections();
    data.close();
  }

  private int backendPid() {
    return db.inTransaction(tx -> {
      try (PreparedStatement ps = tx.prepareStatement("SELECT pg_backend_pid()");
           ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    });
  }

  @Test
  void aConnectionIsReusedAcrossTransactions() {
    assertEquals(backendPid(), backendPid());
  }

  @Test
  void aConnectionKilledBetweenTwoTransactions_isReplaced_andTheSecondRunsOnce() {
    int before = backendPid();
    data.killOtherConnections();
    AtomicInteger runs = new AtomicInteger();

    int after = db.inTransaction(tx -> {
      runs.incrementAndGet();
      try (ResultSet rs = tx.createStatement().executeQuery("SELECT pg_backend_pid()")) {
        rs.next();
        return rs.getInt(1);
      }
    });

    assertEquals(false, before == after, "a new connection");
    // the first attempt died on its first statement: nothing of it ran to completion
    assertEquals(2, runs.get());
  }

  @Test
  void aFailingStatementIsNotRetried_andTheConnectionStaysUsable() {
    AtomicInteger runs = new AtomicInteger();
    DatabaseException e = assertThrows(DatabaseException.class, () -> db.inTransaction(tx -> {
      runs.incrementAndGet();
      return tx.createStatement().executeQuery("SELECT 1/0");
    }));
    assertEquals("22012", e.sqlState());
    assertEquals(1, runs.get());
    assertEquals(backendPid(), backendPid());
  }

  @Test
  void whatTheWorkDidIsRolledBackWhenItThrows() {
    data.update("CREATE TABLE t (x int)");
    assertThrows(IllegalStateException.class, () -> db.inTransaction(tx -> {
      tx.createStatement().execute("INSERT INTO t VALUES (1)");
      throw new IllegalStateException("boom");
    }));
    assertEquals(0, data.count("SELECT count(*) FROM t"));
  }
}
