package dev.switchboard.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
  void aConnectionLostAgainOnTheRetry_isUnavailable_notAnInternalError() {
    backendPid(); // an idle connection, reused without a check: a loss on it earns the retry
    AtomicInteger runs = new AtomicInteger();

    DatabaseUnavailable e = assertThrows(DatabaseUnavailable.class, () -> db.inTransaction(tx -> {
      runs.incrementAndGet();
      // every attempt loses its connection before the commit (57P01, as in a failover)
      tx.createStatement().execute("SELECT pg_terminate_backend(pg_backend_pid())");
      return null;
    }));

    assertEquals(2, runs.get(), "the first attempt and its one retry");
    assertEquals("57P01", e.sqlState());
    assertTrue(backendPid() > 0, "the next transaction gets a working connection");
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

  /**
   * What would pin a connection to one server behind RDS Proxy (or break it behind PgBouncer
   * in transaction mode): a setting changed with SET (pgjdbc sends two at connect unless told
   * the server is 9.0 or newer), or a statement prepared on the server (pgjdbc does so from a
   * statement's fifth use unless prepareThreshold is 0).
   */
  @Test
  void aConnectionHoldsNoSessionState_noSetAndNoServerPreparedStatement() {
    for (int i = 0; i < 10; i++) {
      backendPid();
    }
    db.inTransaction(tx -> {
      try (ResultSet rs = tx.createStatement().executeQuery(
          "SELECT (SELECT string_agg(name, ',') FROM pg_settings WHERE source = 'session'),"
              + " (SELECT count(*) FROM pg_prepared_statements)")) {
        rs.next();
        assertEquals(null, rs.getString(1), "settings changed with SET");
        assertEquals(0, rs.getInt(2), "statements prepared on the server");
        return null;
      }
    });
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
