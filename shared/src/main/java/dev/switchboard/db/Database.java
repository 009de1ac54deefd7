package dev.switchboard.db;

import dev.switchboard.log.Log;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The database, one per container: the thread-safe root object all transactions go through.
 *
 * <p>On Lambda one request runs at a time, so this holds one connection and reuses it across
 * invocations. A connection that has sat idle for {@link #VALIDATE_AFTER_IDLE} (between
 * invocations, after a SnapStart restore) is checked with a round trip before use and
 * replaced when stale (an idle timeout, a failover); a busy one is not, since that check
 * would cost every transaction a round trip. A connection that breaks inside a transaction
 * is discarded, never reused. Where several threads share one instance (the local runner,
 * the tests) each borrows its own connection; at most {@link #MAX_IDLE} are kept open.
 */
public final class Database {
  private static final Log LOG = Log.of(Database.class);
  private static final int MAX_IDLE = 4;
  private static final int VALIDATE_TIMEOUT_SECONDS = 2;
  private static final Duration VALIDATE_AFTER_IDLE = Duration.ofSeconds(5);

  private final Supplier<DatabaseUrl> url;
  private final Predicate<DatabaseUrl> rereadCredentials;
  private final Deque<Pooled> idle = new ArrayDeque<>();

  /** A connection: when it was last given back, and whether it was checked before this use. */
  private record Pooled(Connection connection, long idleSinceNanos, boolean checked) {
    boolean idleLongerThan(Duration d) {
      return System.nanoTime() - idleSinceNanos > d.toNanos();
    }
  }

  public Database(DatabaseUrl url) {
    this(() -> url, refused -> false);
  }

  /**
   * {@code url} is asked for each new connection (its password may have been rotated);
   * when the server refuses the login, {@code rereadCredentials} is asked once, with the URL it
   * refused, to read the secret again, and a true answer (it holds another login) earns one more
   * attempt.
   */
  public Database(Supplier<DatabaseUrl> url, Predicate<DatabaseUrl> rereadCredentials) {
    this.url = url;
    this.rereadCredentials = rereadCredentials;
  }

  /** Runs {@code work} in one transaction: committed when it returns, rolled back if it throws. */
  public <T> T inTransaction(TransactionCallback<T> work) {
    Pooled borrowed = borrow();
    try {
      return runOnce(borrowed.connection(), work);
    } catch (LostBeforeCommit lost) {
      if (borrowed.checked()) {
        throw lost.failure;
      }
      // reused without a check and found dead before anything committed: nothing happened,
      // so the transaction runs again, once, on a fresh connection
      LOG.info("db.connection.lost", "sqlState", lost.failure.sqlState());
      try {
        return runOnce(open(), work);
      } catch (LostBeforeCommit again) {
        // lost twice and still nothing committed: the same answer as a refused connection,
        // "try again shortly", not an internal error
        LOG.warn("db.connection.lost.again", "sqlState", again.failure.sqlState());
        throw new DatabaseUnavailable(again.failure.sqlState());
      }
    }
  }

  /** {@link #inTransaction} for work that answers nothing. */
  public void useTransaction(TransactionWork work) {
    inTransaction(tx -> {
      work.run(tx);
      return null;
    });
  }

  private <T> T runOnce(Connection c, TransactionCallback<T> work) {
    boolean healthy = false;
    boolean committing = false;
    try {
      T result = work.run(c);
      committing = true;
      c.commit();
      healthy = true;
      return result;
    } catch (SQLException e) {
      rollbackQuietly(c);
      healthy = isUsable(c);
      DatabaseException failure = new DatabaseException("transaction failed", e.getSQLState(), e);
      if (!committing && !healthy && DatabaseException.isConnectionLoss(e.getSQLState())) {
        throw new LostBeforeCommit(failure);
      }
      throw failure;
    } catch (RuntimeException | Error e) {
      rollbackQuietly(c);
      healthy = isUsable(c);
      throw e;
    } finally {
      giveBack(c, healthy);
    }
  }

  /** The transaction never reached its commit because the connection was gone. */
  private static final class LostBeforeCommit extends RuntimeException {
    private final DatabaseException failure;

    LostBeforeCommit(DatabaseException failure) {
      super(null, null, false, false);
      this.failure = failure;
    }
  }

  /**
   * Opens a connection now and keeps it idle for the next transaction: after a SnapStart
   * restore, so the first request does not wait for the connection (TCP, TLS, authentication).
   */
  public void connectAhead() {
    giveBack(borrow().connection(), true);
  }

  /** Closes every idle connection: before a SnapStart checkpoint, after a restore. */
  public void closeIdleConnections() {
    synchronized (idle) {
      while (!idle.isEmpty()) {
        closeQuietly(idle.pop().connection());
      }
    }
  }

  private Pooled borrow() {
    while (true) {
      Pooled p;
      synchronized (idle) {
        p = idle.poll();
      }
      if (p == null) {
        return new Pooled(open(), System.nanoTime(), true);
      }
      if (!p.idleLongerThan(VALIDATE_AFTER_IDLE)) {
        return new Pooled(p.connection(), p.idleSinceNanos(), false);
      }
      if (isUsable(p.connection())) {
        return new Pooled(p.connection(), p.idleSinceNanos(), true);
      }
      LOG.info("db.connection.stale");
      closeQuietly(p.connection());
    }
  }

  private Connection open() {
    DatabaseUrl used = url.get();
    try {
      return open(used);
    } catch (DatabaseException e) {
      // 28P01 wrong password, 28000 no such role / not allowed: rotated since we read it?
      boolean refused = "28P01".equals(e.sqlState()) || "28000".equals(e.sqlState());
      if (refused && rereadCredentials.test(used)) {
        LOG.info("db.credentials.reread", "sqlState", e.sqlState());
        return open(url.get());
      }
      throw e;
    }
  }

  private Connection open(DatabaseUrl url) {
    Properties props = new Properties();
    url.user().ifPresent(u -> props.setProperty("user", u));
    url.password().ifPresent(p -> props.setProperty("password", p));
    props.setProperty("connectTimeout", "5");
    props.setProperty("socketTimeout", "30");
    props.setProperty("tcpKeepAlive", "true");
    props.setProperty("ApplicationName", "switchboard");
    // No session state, so that RDS Proxy never pins the connection and PgBouncer in transaction
    // mode can share it: no statement prepared on the server (pgjdbc prepares from a statement's
    // fifth use otherwise), and the startup settings sent in the startup message instead of
    // SET statements after it (pgjdbc does that only when told the server is 9.0 or newer).
    // A URL that names either keeps its own value. Measured in docs/architecture.md.
    props.setProperty("prepareThreshold", "0");
    props.setProperty("assumeMinServerVersion", "12");
    try {
      Connection c = DriverManager.getConnection(url.jdbcUrl(), props);
      c.setAutoCommit(false);
      return c;
    } catch (SQLException e) {
      // the driver's message may contain the URL; ours does not
      if (DatabaseUnavailable.isTransient(e.getSQLState())) {
        throw new DatabaseUnavailable(e.getSQLState());
      }
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
        idle.push(new Pooled(c, System.nanoTime(), false));
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
