package dev.switchboard.db;

import dev.switchboard.log.Log.SafeToLog;

/**
 * No connection to the database could be had: the server refused it (too many connections,
 * starting up or shutting down) or could not be reached. Nothing was done, so the request may
 * be answered "try again shortly" ({@code 503 service_unavailable}) and repeated as it is.
 */
public final class DatabaseUnavailable extends RuntimeException implements SafeToLog {
  private final String sqlState;

  public DatabaseUnavailable(String sqlState) {
    super("cannot connect to the database" + (sqlState == null ? "" : " (SQL state " + sqlState + ")"));
    this.sqlState = sqlState;
  }

  /**
   * SQL states of a connection attempt that may succeed later: class 08 (unreachable, refused),
   * class 53 (insufficient resources: 53300 too many connections), 57P03 (cannot connect now).
   */
  static boolean isTransient(String sqlState) {
    return sqlState != null
        && (sqlState.startsWith("08") || sqlState.startsWith("53") || sqlState.equals("57P03"));
  }

  public String sqlState() {
    return sqlState;
  }
}
