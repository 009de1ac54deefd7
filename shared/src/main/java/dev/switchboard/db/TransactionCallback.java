package dev.switchboard.db;

import java.sql.Connection;
import java.sql.SQLException;

/** The body of one transaction; the connection must not escape it. */
@FunctionalInterface
public interface TransactionCallback<T> {
  T run(Connection tx) throws SQLException;
}
