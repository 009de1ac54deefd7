package dev.switchboard.testing;

import dev.switchboard.schema.SchemaMigrator;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL server, started once per JVM. The migrations run once into a template
 * database; each test (class) gets its own fresh copy with {@link #freshDatabase()}, which
 * PostgreSQL clones in milliseconds.
 */
public final class EmbeddedDatabase {
  private static final String TEMPLATE = "switchboard_template";
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static EmbeddedDatabase shared;

  private final EmbeddedPostgres postgres;

  private EmbeddedDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /** The JVM's server, started (and its template migrated) on first use. */
  public static synchronized EmbeddedDatabase shared() {
    if (shared == null) {
      shared = start(null);
      shared.createTemplate();
      Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "embedded-postgres-stop"));
    }
    return shared;
  }

  /** A server of its own; with a data directory it keeps its data between runs. */
  public static EmbeddedDatabase start(Path dataDirectory) {
    try {
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
          .setServerConfig("max_connections", "200")
          .setServerConfig("fsync", "off")
          .setServerConfig("synchronous_commit", "off")
          .setServerConfig("full_page_writes", "off");
      if (dataDirectory != null) {
        builder.setDataDirectory(dataDirectory).setCleanDataDirectory(false);
      }
      return new EmbeddedDatabase(builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
    }
  }

  public int port() {
    return postgres.getPort();
  }

  public String jdbcUrl(String database) {
    return "jdbc:postgresql://localhost:" + port() + "/" + database + "?user=postgres";
  }

  /** A new, migrated database no other test uses; its JDBC URL. */
  public String freshDatabase() {
    String name = "test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    execute("postgres", "CREATE DATABASE " + name + " TEMPLATE " + TEMPLATE);
    return jdbcUrl(name);
  }

  /**
   * Drops a database {@link #freshDatabase()} made, ending its sessions: a suite makes hundreds,
   * each a copy of the template (about 9 MB), and the server's data directory need not keep them.
   */
  public void dropDatabase(String jdbcUrl) {
    String name = jdbcUrl.replaceFirst("^jdbc:postgresql://[^/]+/", "").replaceFirst("\\?.*$", "");
    if (!name.matches("test_\\d+_\\d+")) {
      throw new IllegalArgumentException("not a database freshDatabase() made: " + jdbcUrl);
    }
    execute("postgres", "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  /**
   * The same database, connected to as the application role the functions use in AWS (the
   * role migration V20 creates and grants row access to): it can read and write rows but not
   * change the schema. Gives the role LOGIN here, as an operator does on RDS.
   */
  public String asApplicationRole(String jdbcUrl) {
    execute("postgres", "ALTER ROLE " + SchemaMigrator.DEFAULT_APP_ROLE + " LOGIN");
    if (!jdbcUrl.contains("user=postgres")) {
      throw new IllegalArgumentException("not a URL of this server's owner: " + jdbcUrl);
    }
    return jdbcUrl.replace("user=postgres", "user=" + SchemaMigrator.DEFAULT_APP_ROLE);
  }

  /** Applies the migrations to the named database (created when missing). */
  public SchemaMigrator.Result migrate(String database) {
    return new SchemaMigrator(jdbcUrl(database), "postgres", "").migrate();
  }

  public void createDatabaseIfMissing(String database) {
    try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"));
         var rs = c.createStatement().executeQuery(
             "SELECT 1 FROM pg_database WHERE datname = '" + database.replace("'", "") + "'")) {
      if (!rs.next()) {
        try (Statement s = c.createStatement()) {
          s.execute("CREATE DATABASE " + database);
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + database, e);
    }
  }

  private void createTemplate() {
    execute("postgres", "CREATE DATABASE " + TEMPLATE);
    migrate(TEMPLATE);
  }

  private void execute(String database, String sql) {
    try (Connection c = DriverManager.getConnection(jdbcUrl(database));
         Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot run: " + sql, e);
    }
  }

  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      // the JVM is exiting; nothing else to do
    }
  }
}
