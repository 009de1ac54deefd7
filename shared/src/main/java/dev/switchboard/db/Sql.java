package dev.switchboard.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The JDBC every repository would otherwise write again: prepare, bind in order, run, map each
 * row, close. No ORM: the SQL stays a text block beside the method that runs it, and a
 * {@link Row} reads the columns by name. Arguments bind with {@code setObject} ({@code UUID},
 * {@code String}, numbers, null); an {@link Instant} binds as a {@code timestamptz}.
 */
public final class Sql {
  /** Reads the current row of a result into a value. */
  @FunctionalInterface
  public interface Row<T> {
    T map(ResultSet rs) throws SQLException;
  }

  /**
   * A piece of SQL and the values of its placeholders, in order: what one table's class gives
   * to a statement another class runs, so that one round trip can ask about two tables while
   * each table's SQL stays in its own class.
   */
  public record Fragment(String sql, List<Object> args) {
    public static Fragment of(String sql, Object... args) {
      return new Fragment(sql, Collections.unmodifiableList(Arrays.asList(args.clone())));
    }

    /** Either condition (both fragments are boolean expressions). */
    public Fragment or(Fragment other) {
      List<Object> both = new ArrayList<>(args);
      both.addAll(other.args);
      return new Fragment("(" + sql + ") OR (" + other.sql + ")", Collections.unmodifiableList(both));
    }

    /** Binds the values from placeholder {@code first} on; the index after the last. */
    public int bind(PreparedStatement ps, int first) throws SQLException {
      int i = first;
      for (Object arg : args) {
        ps.setObject(i++, value(arg));
      }
      return i;
    }
  }

  private Sql() {
  }

  /** The first row {@code sql} returns, mapped; empty when it returns none. */
  public static <T> Optional<T> one(Connection tx, String sql, Row<T> row, Object... args) throws SQLException {
    try (PreparedStatement ps = prepare(tx, sql, args); ResultSet rs = ps.executeQuery()) {
      return rs.next() ? Optional.of(row.map(rs)) : Optional.empty();
    }
  }

  /** Every row {@code sql} returns, mapped, in its order. */
  public static <T> List<T> list(Connection tx, String sql, Row<T> row, Object... args) throws SQLException {
    try (PreparedStatement ps = prepare(tx, sql, args); ResultSet rs = ps.executeQuery()) {
      List<T> out = new ArrayList<>();
      while (rs.next()) {
        out.add(row.map(rs));
      }
      return out;
    }
  }

  /** Runs an INSERT, UPDATE or DELETE; how many rows it changed. */
  public static int update(Connection tx, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = prepare(tx, sql, args)) {
      return ps.executeUpdate();
    }
  }

  private static PreparedStatement prepare(Connection tx, String sql, Object[] args) throws SQLException {
    PreparedStatement ps = tx.prepareStatement(sql);
    try {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, value(args[i]));
      }
      return ps;
    } catch (SQLException | RuntimeException e) {
      ps.close();
      throw e;
    }
  }

  private static Object value(Object arg) {
    return arg instanceof Instant instant ? OffsetDateTime.ofInstant(instant, ZoneOffset.UTC) : arg;
  }
}
