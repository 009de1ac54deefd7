package dev.switchboard.db;

import dev.switchboard.log.Log.SafeToLog;

/** The database could not be reached or a statement failed; the SQL state says which. */
public final class DatabaseException extends RuntimeException implements SafeToLog {
  private final String sqlState;

  public DatabaseException(String message, String sqlState, Throwable cause) {
    super(message + (sqlState == null ? "" : " (SQL state " + sqlState + ")"), cause);
    this.sqlState = sqlState;
  }

  public String sqlState() {
    return sqlState;
  }

  /** The connection was gone (class 08) or ended by the server (57P0x): not the statement's fault. */
  public boolean connectionLost() {
    return isConnectionLoss(sqlState);
  }

  static boolean isConnectionLoss(String sqlState) {
    return sqlState != null && (sqlState.startsWith("08") || sqlState.startsWith("57P0"));
  }
}
