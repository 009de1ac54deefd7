package dev.switchboard.function.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.CloudFormationCustomResourceEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.config.Settings;
import dev.switchboard.deploy.AnswerInTime;
import dev.switchboard.testing.CustomResourceSettings;
import dev.switchboard.testing.EmbeddedDatabase;
import dev.switchboard.testing.LambdaContext;
import dev.switchboard.testing.TestData;
import dev.switchboard.testing.fake.FakeCloudFormation;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class DatabaseMigrationHandlerTest {
  private static final Duration PLENTY = Duration.ofMinutes(10);
  private static final String STACK_ID =
      "arn:aws:cloudformation:eu-west-2:123456789012:stack/switchboard-staging/6a1f3c20-cb7e-11f0-9b1e-0a5e3c7d2f11";
  /** Nothing listens there: a database that cannot be reached. */
  private static final String UNREACHABLE = "postgres://postgres:unused@localhost:1/switchboard";

  private FakeCloudFormation cloudFormation;

  @BeforeEach
  void setUp() {
    cloudFormation = new FakeCloudFormation();
  }

  @AfterEach
  void tearDown() {
    cloudFormation.close();
  }

  private CloudFormationCustomResourceEvent event(String file) {
    CloudFormationCustomResourceEvent event = EventLoader.loadCloudFormationCustomResourceEvent(file);
    event.setResponseUrl(cloudFormation.responseUrl());
    return event;
  }

  private static DatabaseMigrationHandler handler(String databaseUrl) {
    return handler(Map.of("DATABASE_URL", databaseUrl));
  }

  /** The function as the template configures it for the events' stack, with {@code settings}. */
  private static DatabaseMigrationHandler handler(Map<String, String> settings) {
    Map<String, String> env = new HashMap<>(CustomResourceSettings.configuredFor(STACK_ID, null));
    env.putAll(settings);
    env.values().removeIf(String::isEmpty);
    return new DatabaseMigrationHandler(Settings.of(env));
  }

  /** A database that exists and has never been migrated. */
  private static String emptyDatabase() {
    String name = "empty_" + System.nanoTime();
    EmbeddedDatabase.shared().createDatabaseIfMissing(name);
    return EmbeddedDatabase.shared().jdbcUrl(name);
  }

  @Test
  void create_onAnEmptyDatabase_appliesEveryMigrationAndReportsTheVersion() {
    String url = emptyDatabase();

    handler(url).handleRequest(event("events/cfn-database-migration-create.json"), new LambdaContext("DatabaseMigrationFunction", PLENTY));

    Map<String, Object> answer = cloudFormation.onlyAnswer();
    assertEquals("SUCCESS", answer.get("Status"), String.valueOf(answer));
    assertEquals(DatabaseMigrationHandler.PHYSICAL_ID, answer.get("PhysicalResourceId"));
    assertEquals("0b7d6c5e-58f1-4c2e-9a61-3d1f2e4a5b6c", answer.get("RequestId"));
    assertEquals("DatabaseMigration", answer.get("LogicalResourceId"));
    @SuppressWarnings("unchecked")
    Map<String, Object> data = (Map<String, Object>) answer.get("Data");
    assertTrue(((Number) data.get("Applied")).intValue() >= 1, String.valueOf(data));
    try (TestData db = new TestData(url)) {
      assertEquals(data.get("SchemaVersion"), db.row(
          "SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank DESC LIMIT 1").get("version"));
      assertEquals(0, db.count("SELECT count(*) FROM organizations"));
    }
  }

  /**
   * Least privilege: the functions connect as the application role, which cannot change the schema;
   * the migration connects as the owner through MIGRATION_DATABASE_URL, and grants that role
   * (named by DATABASE_APP_ROLE) row access.
   */
  @Test
  void create_migratesAsTheOwnerFromMigrationDatabaseUrl_andGrantsTheApplicationRole() throws Exception {
    String owner = emptyDatabase();
    String app = EmbeddedDatabase.shared().asApplicationRole(owner);
    DatabaseMigrationHandler handler = handler(Map.of(
        "DATABASE_URL", app, "MIGRATION_DATABASE_URL", owner));

    handler.handleRequest(event("events/cfn-database-migration-create.json"), new LambdaContext("DatabaseMigrationFunction", PLENTY));

    assertEquals("SUCCESS", cloudFormation.onlyAnswer().get("Status"), String.valueOf(cloudFormation.onlyAnswer()));
    try (Connection c = DriverManager.getConnection(app); Statement s = c.createStatement()) {
      s.execute("INSERT INTO organizations (id, name) VALUES (gen_random_uuid(), 'written as the app')");
    }
    try (TestData db = new TestData(owner)) {
      assertEquals(1, db.count("SELECT count(*) FROM organizations"));
      assertEquals("postgres", db.row("SELECT installed_by FROM flyway_schema_history ORDER BY installed_rank DESC LIMIT 1")
          .get("installed_by"));
    }
  }

  @Test
  void create_grantsTheRoleNamedByDatabaseAppRole_andRefusesANameThatIsNoPlainIdentifier() {
    String owner = emptyDatabase();
    handler(Map.of("DATABASE_URL", owner, "DATABASE_APP_ROLE", "acme_app"))
        .handleRequest(event("events/cfn-database-migration-create.json"), new LambdaContext("DatabaseMigrationFunction", PLENTY));
    assertEquals("SUCCESS", cloudFormation.onlyAnswer().get("Status"));
    try (TestData db = new TestData(owner)) {
      assertEquals(1, db.count("SELECT count(*) FROM (SELECT has_table_privilege('acme_app', 'organizations', 'INSERT') AS p) x WHERE p"));
    }

    cloudFormation.close();
    cloudFormation = new FakeCloudFormation();
    handler(Map.of("DATABASE_URL", emptyDatabase(), "DATABASE_APP_ROLE", "app\"; DROP"))
        .handleRequest(event("events/cfn-database-migration-create.json"), new LambdaContext("DatabaseMigrationFunction", PLENTY));
    Map<String, Object> failed = cloudFormation.onlyAnswer();
    assertEquals("FAILED", failed.get("Status"));
    assertTrue(String.valueOf(failed.get("Reason")).contains("DATABASE_APP_ROLE"), String.valueOf(failed));
  }

  @Test
  void update_onAnUpToDateDatabase_appliesNothingAndKeepsTheData() {
    String url = EmbeddedDatabase.shared().freshDatabase();
    try (TestData db = new TestData(url)) {
      db.organization("Acme", 2500);
    }

    handler(url).handleRequest(event("events/cfn-database-migration-update.json"), new LambdaContext("DatabaseMigrationFunction", PLENTY));

    Map<String, Object> answer = cloudFormation.onlyAnswer();
    assertEquals("SUCCESS", answer.get("Status"), String.valueOf(answer));
    assertEquals("switchboard-schema", answer.get("PhysicalResourceId"));
    @SuppressWarnings("unchecked")
    Map<String, Object> data = (Map<String, Object>) answer.get("Data");
    assertEquals(0, ((Number) data.get("Applied")).intValue());
    try (TestData db = new TestData(url)) {
      assertEquals(1, db.count("SELECT count(*) FROM organizations"));
      assertEquals(data.get("SchemaVersion"), db.row(
          "SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank DESC LIMIT 1").get("version"));
    }
  }

  @Test
  void create_withAPostgresUrl_logsInWithItsUserAndPassword() {
    String jdbc = emptyDatabase();
    String database = jdbc.substring(jdbc.lastIndexOf('/') + 1, jdbc.indexOf('?'));
    String url = "postgres://postgres:unused-password@localhost:" + EmbeddedDatabase.shared().port() + "/" + database;

    handler(url).handleRequest(event("events/cfn-database-migration-create.json"), new LambdaContext("DatabaseMigrationFunction", PLENTY));

    assertEquals("SUCCESS", cloudFormation.onlyAnswer().get("Status"));
  }

  @Test
  void delete_leavesTheSchemaAndData() {
    String url = EmbeddedDatabase.shared().freshDatabase();
    try (TestData db = new TestData(url)) {
      db.organization("Acme");
    }

    handler(url).handleRequest(event("events/cfn-database-migration-delete.json"), new LambdaContext("DatabaseMigrationFunction", PLENTY));

    Map<String, Object> answer = cloudFormation.onlyAnswer();
    assertEquals("SUCCESS", answer.get("Status"));
    assertEquals("switchboard-schema", answer.get("PhysicalResourceId"));
    try (TestData db = new TestData(url)) {
      assertEquals(1, db.count("SELECT count(*) FROM organizations"));
    }
  }

  @Test
  void create_whenDatabaseUrlIsMissing_answersFailedNamingTheSetting() {
    handler(Map.of())
        .handleRequest(event("events/cfn-database-migration-create.json"), new LambdaContext("DatabaseMigrationFunction", PLENTY));

    Map<String, Object> answer = cloudFormation.onlyAnswer();
    assertEquals("FAILED", answer.get("Status"));
    assertEquals("missing required setting DATABASE_URL", answer.get("Reason"));
    assertEquals(DatabaseMigrationHandler.PHYSICAL_ID, answer.get("PhysicalResourceId"));
    assertNull(answer.get("Data"));
  }

  @Test
  void create_whenTheDatabaseRefusesTheLogin_answersFailedWithoutThePassword() {
    String url = "postgres://postgres:s3cret-Passw0rd@localhost:1/nothing_here";

    handler(url).handleRequest(event("events/cfn-database-migration-create.json"), new LambdaContext("DatabaseMigrationFunction", PLENTY));

    String raw = cloudFormation.rawAnswers().get(0);
    Map<String, Object> answer = cloudFormation.onlyAnswer();
    assertEquals("FAILED", answer.get("Status"));
    assertTrue(((String) answer.get("Reason")).startsWith("migration failed"), raw);
    assertFalse(raw.contains("s3cret-Passw0rd"), raw);
  }

  @Test
  void update_whenAMigrationWasEditedAfterItRan_answersFailedAndChangesNothing() throws Exception {
    String url = EmbeddedDatabase.shared().freshDatabase();
    try (TestData db = new TestData(url)) {
      db.update("UPDATE flyway_schema_history SET checksum = checksum + 1 WHERE version = '1'");
    }

    handler(url).handleRequest(event("events/cfn-database-migration-update.json"), new LambdaContext("DatabaseMigrationFunction", PLENTY));

    Map<String, Object> answer = cloudFormation.onlyAnswer();
    assertEquals("FAILED", answer.get("Status"));
    assertTrue(((String) answer.get("Reason")).contains("checksum"), String.valueOf(answer.get("Reason")));
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // only a hang trips it
  void update_nearTheFunctionsTimeLimit_stillAnswersFailedInTime() throws Exception {
    String url = EmbeddedDatabase.shared().freshDatabase();
    // another session holds the migration history: Flyway waits for it
    try (Connection blocker = DriverManager.getConnection(url)) {
      blocker.setAutoCommit(false);
      try (Statement s = blocker.createStatement()) {
        s.execute("LOCK TABLE flyway_schema_history IN ACCESS EXCLUSIVE MODE");
      }
      Duration timeLeft = AnswerInTime.ANSWER_MARGIN.plusSeconds(1);

      // Flyway would wait for the lock forever: an answer at all, FAILED for the time limit, is the proof
      handler(url).handleRequest(event("events/cfn-database-migration-update.json"), new LambdaContext("DatabaseMigrationFunction", timeLeft));

      Map<String, Object> answer = cloudFormation.onlyAnswer();
      assertEquals("FAILED", answer.get("Status"));
      assertTrue(((String) answer.get("Reason")).contains("time limit"), String.valueOf(answer.get("Reason")));
      assertEquals("switchboard-schema", answer.get("PhysicalResourceId"));
      blocker.rollback();
    }
  }

  // ------------------------------------------------------------------ no wedged stack, own stack only

  /** CloudFormation's rollback of the update event: back to the older function version. */
  private CloudFormationCustomResourceEvent rollback() {
    CloudFormationCustomResourceEvent forward = event("events/cfn-database-migration-update.json");
    CloudFormationCustomResourceEvent back = event("events/cfn-database-migration-update.json");
    back.setResourceProperties(forward.getOldResourceProperties());
    back.setOldResourceProperties(forward.getResourceProperties());
    return back;
  }

  @Test
  void rollbackUpdate_withTheDatabaseUnreachable_answersSuccessWithoutConnecting() {
    handler(UNREACHABLE).handleRequest(rollback(), new LambdaContext("DatabaseMigrationFunction", PLENTY));

    Map<String, Object> answer = cloudFormation.onlyAnswer();
    assertEquals("SUCCESS", answer.get("Status"), String.valueOf(answer));
    assertEquals("switchboard-schema", answer.get("PhysicalResourceId"));
    @SuppressWarnings("unchecked")
    Map<String, Object> data = (Map<String, Object>) answer.get("Data");
    assertEquals("unchanged", data.get("SchemaVersion"));
    assertEquals(0, ((Number) data.get("Applied")).intValue());
  }

  @Test
  void forwardUpdate_withTheDatabaseUnreachable_stillAnswersFailed() {
    handler(UNREACHABLE).handleRequest(event("events/cfn-database-migration-update.json"),
        new LambdaContext("DatabaseMigrationFunction", PLENTY));

    assertEquals("FAILED", cloudFormation.onlyAnswer().get("Status"), "new code must not go live on an old schema");
  }

  @Test
  void delete_withTheDatabaseUnreachable_answersSuccess() {
    handler(UNREACHABLE).handleRequest(event("events/cfn-database-migration-delete.json"),
        new LambdaContext("DatabaseMigrationFunction", PLENTY));

    assertEquals("SUCCESS", cloudFormation.onlyAnswer().get("Status"));
  }

  @Test
  void create_ofAnotherStack_answersFailed_andMigratesNothing() {
    String url = emptyDatabase();
    CloudFormationCustomResourceEvent theirs = event("events/cfn-database-migration-create.json");
    theirs.setStackId("arn:aws:cloudformation:eu-west-2:123456789012:stack/switchboard-green/0b7e2f10-cc01-11f0-8a2d-06c1e7d2a913");

    handler(url).handleRequest(theirs, new LambdaContext("DatabaseMigrationFunction", PLENTY));

    Map<String, Object> answer = cloudFormation.onlyAnswer();
    assertEquals("FAILED", answer.get("Status"));
    assertTrue(String.valueOf(answer.get("Reason")).contains("StackId is not this function's stack"), String.valueOf(answer));
    try (TestData db = new TestData(url)) {
      assertEquals(0, db.count("SELECT count(*) FROM information_schema.tables WHERE table_name = 'flyway_schema_history'"));
    }
  }

  @Test
  void withoutAStackId_answersFailedNamingTheSetting() {
    handler(Map.of("DATABASE_URL", UNREACHABLE, "STACK_ID", ""))
        .handleRequest(event("events/cfn-database-migration-delete.json"), new LambdaContext("DatabaseMigrationFunction", PLENTY));

    assertTrue(String.valueOf(cloudFormation.onlyAnswer().get("Reason")).contains("STACK_ID is not set"));
  }

  @Test
  void aResponseUrlThatIsNotCloudFormations_isNeverAnswered_andNothingIsMigrated() {
    String url = emptyDatabase();
    CloudFormationCustomResourceEvent event = event("events/cfn-database-migration-create.json");
    event.setResponseUrl("https://collector.example.com/cfn");

    var returned = handler(url).handleRequest(event, new LambdaContext("DatabaseMigrationFunction", PLENTY));

    assertEquals("FAILED", String.valueOf(returned.getStatus()));
    CloudFormationCustomResourceEvent loopback = event("events/cfn-database-migration-create.json");
    handler(Map.of("DATABASE_URL", url, "CUSTOM_RESOURCE_LOOPBACK_RESPONSE", ""))
        .handleRequest(loopback, new LambdaContext("DatabaseMigrationFunction", PLENTY));
    assertTrue(cloudFormation.answers().isEmpty(), "a deployed function never answers a loopback URL");
    try (TestData db = new TestData(url)) {
      assertEquals(0, db.count("SELECT count(*) FROM information_schema.tables WHERE table_name = 'flyway_schema_history'"));
    }
  }
}
