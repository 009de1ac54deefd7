package dev.switchboard.local;

import dev.switchboard.db.DatabaseUrl;
import dev.switchboard.schema.SchemaMigrator;
import dev.switchboard.testing.EmbeddedDatabase;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * What a local run needs around the functions: the database and the three providers, each
 * either the real one the developer configured or a sandbox (embedded PostgreSQL, the test
 * kit's fake servers) where nothing real was given. Announces which is which, and ends
 * everything it started on {@link #close}.
 */
final class LocalServices implements AutoCloseable {
  static final String DATABASE_NAME = "switchboard";
  /** Where the sandboxes keep their state, inside the data directory. */
  static final String SANDBOXES = "sandboxes";

  private final Map<String, String> settings = new LinkedHashMap<>();
  private final List<AutoCloseable> started = new ArrayList<>();
  private String jdbcUrl;
  private boolean embedded;
  private UUID demoOrg;
  private StripeSandbox stripe;
  private SecretsManagerSandbox secretsManager;

  private LocalServices() {}

  /**
   * Starts what is missing. {@code given} tells whether the developer set a setting (in the
   * process environment or the --env-vars file); {@code dataDirectory} keeps the embedded
   * database and the generated encryption key between runs.
   */
  static LocalServices start(Predicate<String> given, Map<String, String> values, Path dataDirectory,
      boolean fresh, boolean seedDemoOrganisation, List<ProviderSandbox> sandboxes, PrintStream out) {
    LocalServices services = new LocalServices();
    // with a real Secrets Manager (or its endpoint given), NAME_SECRET_ID gives NAME as the
    // deployed function reads it: nothing is sandboxed in its place
    boolean realSecrets = new SecretsManagerSandbox().real(given);
    Predicate<String> givenOrInASecret = name -> given.test(name) || (realSecrets && given.test(name + "_SECRET_ID"));
    try {
      services.startDatabase(given, realSecrets, values, dataDirectory, fresh, seedDemoOrganisation, out);
      services.encryptionKey(givenOrInASecret, dataDirectory, out);
      if (fresh) {
        delete(dataDirectory.resolve(SANDBOXES));
      }
      for (ProviderSandbox sandbox : sandboxes) {
        services.provider(sandbox, givenOrInASecret, values, dataDirectory, out);
      }
      services.webhookSecret(given, realSecrets, out);
      return services;
    } catch (RuntimeException e) {
      services.close();
      throw e;
    }
  }

  /** The settings the sandboxes supply: they win over everything else for what they stand in for. */
  Map<String, String> settings() {
    return settings;
  }

  /** The JDBC URL of the database in use (with the password, if it has one: never print it). */
  String jdbcUrl() {
    return jdbcUrl;
  }

  Optional<UUID> demoOrganisation() {
    return Optional.ofNullable(demoOrg);
  }

  Optional<StripeSandbox> stripeSandbox() {
    return Optional.ofNullable(stripe);
  }

  Optional<SecretsManagerSandbox> secretsManagerSandbox() {
    return Optional.ofNullable(secretsManager);
  }

  private void startDatabase(Predicate<String> given, boolean realSecrets, Map<String, String> values,
      Path dataDirectory, boolean fresh, boolean seed, PrintStream out) {
    // DATABASE_URL_SECRET_ID counts as giving DATABASE_URL, as for the other secrets: the runner
    // reads it to migrate, and the functions read it themselves, as deployed
    boolean inASecret = !given.test("DATABASE_URL") && realSecrets && given.test("DATABASE_URL_SECRET_ID");
    if (given.test("DATABASE_URL") || inASecret) {
      DatabaseUrl url = DatabaseUrl.parse(inASecret
          ? SecretsManagerSandbox.read(values, values.get("DATABASE_URL_SECRET_ID"))
          : values.get("DATABASE_URL"));
      SchemaMigrator.Result result = new SchemaMigrator(url.jdbcUrl(), url.user().orElse(null),
          url.password().orElse(null)).migrate();
      jdbcUrl = url.jdbcUrl();
      out.printf("  database  REAL      %s (%s), schema version %s%n",
          url.jdbcUrl().replaceAll("\\?.*$", ""),
          inASecret ? "DATABASE_URL read from the secret DATABASE_URL_SECRET_ID names" : "DATABASE_URL given",
          result.schemaVersion());
      return;
    }
    Path pgdata = dataDirectory.resolve("pgdata");
    if (fresh) {
      delete(pgdata);
      delete(dataDirectory.resolve("encryption.key"));
    }
    EmbeddedDatabase db;
    try {
      Files.createDirectories(dataDirectory);
      db = EmbeddedDatabase.start(pgdata);
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot start the embedded PostgreSQL in " + pgdata
          + " (is another local run using it? stop it, or give another --data-dir): " + rootMessage(e), e);
    }
    started.add(db::close);
    db.createDatabaseIfMissing(DATABASE_NAME);
    SchemaMigrator.Result result = db.migrate(DATABASE_NAME);
    jdbcUrl = db.jdbcUrl(DATABASE_NAME);
    embedded = true;
    settings.put("DATABASE_URL", jdbcUrl);
    out.printf("  database  SANDBOX   embedded PostgreSQL on port %d, data in %s, schema version %s%n",
        db.port(), pgdata, result.schemaVersion());
    if (seed) {
      demoOrg = DemoOrganization.seed(jdbcUrl);
    }
  }

  private void encryptionKey(Predicate<String> given, Path dataDirectory, PrintStream out) {
    if (given.test("ENCRYPTION_KEY")) {
      return;
    }
    Path file = dataDirectory.resolve("encryption.key");
    try {
      Files.createDirectories(dataDirectory);
      if (!Files.exists(file)) {
        Files.writeString(file, Secrets.hex(32));
        try {
          Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
          // not a POSIX file system (Windows): the file is in the user's own project directory
        }
      }
      settings.put("ENCRYPTION_KEY", Files.readString(file).trim());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the local encryption key in " + file, e);
    }
    out.printf("  keys      SANDBOX   ENCRYPTION_KEY generated once for %s (kept in %s)%n", dataDirectory, file);
  }

  private void provider(ProviderSandbox sandbox, Predicate<String> given, Map<String, String> values,
      Path dataDirectory, PrintStream out) {
    String name = sandbox.name();
    if (sandbox.real(given)) {
      String url = Optional.ofNullable(values.get(sandbox.baseUrlSetting())).filter(v -> !v.isBlank())
          .orElse(sandbox.realUrl());
      out.printf("  %-9s REAL      %s (%s given)%n", name, url, String.join(" or ", sandbox.credentials()));
      sandbox.close();
      return;
    }
    started.add(sandbox);
    settings.putAll(sandbox.start(dataDirectory));
    if (sandbox instanceof StripeSandbox s) {
      stripe = s;
    }
    if (sandbox instanceof SecretsManagerSandbox s) {
      secretsManager = s;
    }
    out.printf("  %-9s SANDBOX   fake %s on %s (set %s to use the real one)%n", name, sandbox.provider(),
        sandbox.baseUrl(), String.join(sandbox instanceof SecretsManagerSandbox ? " or " : " and ",
            sandbox.credentials()));
    sandbox.stateFile().ifPresent(file -> out.printf("  %-9s           %s, kept in %s%n", "",
        sandbox.restored() ? "what earlier runs made there is back" : "starts empty", file));
    if (sandbox instanceof TwilioSandbox && !sandbox.restored() && embedded && storedSubaccounts() > 0) {
      out.printf("  WARNING   the database in %s knows Twilio subaccounts this new sandbox does not (made before"
          + " sandbox state was kept): buying a number would fail; start once with --fresh%n", dataDirectory);
    }
  }

  /** Twilio subaccounts the database holds (the embedded one: a given database is yours). */
  private long storedSubaccounts() {
    try (Connection c = DriverManager.getConnection(jdbcUrl);
         Statement s = c.createStatement();
         ResultSet r = s.executeQuery("SELECT count(*) FROM twilio_subaccounts")) {
      return r.next() ? r.getLong(1) : 0;
    } catch (SQLException e) {
      return 0; // a schema without the table knows no subaccount either
    }
  }

  private void webhookSecret(Predicate<String> given, boolean realSecrets, PrintStream out) {
    if (given.test("STRIPE_WEBHOOK_SECRET")) {
      return;
    }
    if (realSecrets && given.test("STRIPE_WEBHOOK_SECRET_SECRET_ID")) {
      out.println("  webhook   REAL      STRIPE_WEBHOOK_SECRET read from the secret STRIPE_WEBHOOK_SECRET_SECRET_ID"
          + " names, as deployed (503 webhook_not_ready while it has no value)");
      return;
    }
    // what the local webhook verifies signatures with; the demo signs with it too
    settings.put("STRIPE_WEBHOOK_SECRET", "whsec_local" + Secrets.hex(24));
    out.println("  webhook   SANDBOX   STRIPE_WEBHOOK_SECRET generated for this run (whsec_local...)");
  }

  /** The webhook signing secret this run generated; empty when the developer gave one. */
  Optional<String> sandboxWebhookSecret() {
    return Optional.ofNullable(settings.get("STRIPE_WEBHOOK_SECRET"));
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage();
  }

  private static void delete(Path path) {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + path, e);
    }
  }

  /** Stops the sandboxes, then the database, in reverse order of starting. */
  @Override
  public void close() {
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        started.get(i).close();
      } catch (Exception e) {
        System.err.println("stopping a local service failed: " + e.getMessage());
      }
    }
    started.clear();
  }
}
