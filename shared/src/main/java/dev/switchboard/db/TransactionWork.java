package dev.switchboard.db;

import java.sql.Connection;
import java.sql.SQLException;

/** The body of one transaction that answers nothing; the connection must not escape it. */
@FunctionalInterface
public interface TransactionWork {
  void run(Connection tx) throws SQLException;
}
