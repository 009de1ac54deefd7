package dev.switchboard.db;

import dev.switchboard.log.Log;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Properties;

/**
 * The database, one per container: the thread-safe root object all transactions go through.
 *
 * <p>On Lambda one request runs at a time, so this holds one connection and reuses it across
 * invocations; it checks the connection before each use and opens a new one when it has gone
 * stale (an idle timeout, a failover, a SnapStart restore). Where several threads share one
 * instance (the local runner, the tests) each borrows its own connection; at most
 * {@link #MAX_IDLE} are kept open.
 */
public final class Database {
  private static final Log LOG = Log.of(Database.class);
  private static final int MAX_IDLE = 4;
  private static final int VALIDATE_TIMEOUT_SECONDS = 2;

  private final DatabaseUrl url;
  private final Deque<Connection> idle = new ArrayDeque<>();

  public Database(DatabaseUrl url) {
    this.url = url;
  }

  /** Runs {@code work} in one transaction: committed when it returns, rolled back if it throws. */
  public <T> T inTransaction(TransactionCallback<T> work) {
    Connection c = borrow();
    boolean healthy = false;
    try {
      T result = work.run(c);
      c.commit();
      healthy = true;
      return result;
    } catch (SQLException e) {
      rollbackQuietly(c);
      healthy = isUsable(c);
      throw new DatabaseException("transaction failed", e.getSQLState(), e);
    } catch (RuntimeException | Error e) {
      rollbackQuietly(c);
      healthy = isUsable(c);
      throw e;
    } finally {
      giveBack(c, healthy);
    }
  }

  /** Closes every idle connection: before a SnapStart checkpoint, after a restore. */
  public void closeIdleConnections() {
    synchronized (idle) {
      while (!idle.isEmpty()) {
        closeQuietly(idle.pop());
      }
    }
  }

  private Connection borrow() {
    while (true) {
      Connection c;
      synchronized (idle) {
        c = idle.poll();
      }
      if (c == null) {
        return open();
      }
      try {
        if (c.isValid(VALIDATE_TIMEOUT_SECONDS)) {
          return c;
        }
      } catch (SQLException e) {
        // fall through: stale
      }
      LOG.info("db.connection.stale");
      closeQuietly(c);
    }
  }

  private Connection open() {
    Properties props = new Properties();
    url.user().ifPresent(u -> props.setProperty("user", u));
    url.password().ifPresent(p -> props.setProperty("password", p));
    props.setProperty("connectTimeout", "5");
    props.setProperty("socketTimeout", "30");
    props.setProperty("tcpKeepAlive", "true");
    props.setProperty("ApplicationName", "switchboard");
    try {
      Connection c = DriverManager.getConnection(url.jdbcUrl(), props);
      c.setAutoCommit(false);
      return c;
    } catch (SQLException e) {
      // the driver's message may contain the URL; ours does not
      throw new DatabaseException("cannot connect to the database", e.getSQLState(), null);
    }
  }

  private void giveBack(Connection c, boolean healthy) {
    if (!healthy) {
      closeQuietly(c);
      return;
    }
    synchronized (idle) {
      if (idle.size() < MAX_IDLE) {
        idle.push(c);
        return;
      }
    }
    closeQuietly(c);
  }

  private static boolean isUsable(Connection c) {
    try {
      return !c.isClosed() && c.isValid(VALIDATE_TIMEOUT_SECONDS);
    } catch (SQLException e) {
      return false;
    }
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the connection is broken; it is closed instead of reused
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // nothing to do: we are discarding it
    }
  }

  @Override
  public String toString() {
    return "Database[" + url + "]";
  }
}
