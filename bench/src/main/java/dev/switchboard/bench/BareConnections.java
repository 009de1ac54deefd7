package dev.switchboard.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * The plain JDBC connections of the bare-SQL baselines, under the same rule as the functions'
 * own ({@code Database}): {@code prepareThreshold=0}, no statement prepared on the server, so
 * that a transaction pooler never pins them. Otherwise the baseline would skip the parsing and
 * planning every handler statement pays, and the ratio would measure that rule, not the
 * handler. {@code BENCH_BARE_PREPARE_THRESHOLD=5} (pgjdbc's default) shows the difference.
 */
final class BareConnections {
  static final String PREPARE_THRESHOLD = System.getenv().getOrDefault("BENCH_BARE_PREPARE_THRESHOLD", "0");

  private BareConnections() {}

  static Connection open(String url) throws SQLException {
    return DriverManager.getConnection(url + (url.contains("?") ? "&" : "?") + "prepareThreshold=" + PREPARE_THRESHOLD);
  }
}
