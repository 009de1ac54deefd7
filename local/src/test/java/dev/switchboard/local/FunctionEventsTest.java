package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testing.EmbeddedDatabase;
import dev.switchboard.testing.TestData;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code invoke} of every function of the project's template with its sample events from
 * {@code events/}, as a developer runs them: the real handlers in their own processes, the
 * sandboxes, a database holding the demo organisation the events name.
 */
class FunctionEventsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What each sample event must produce: an HTTP status, or for other events the exit code and a field. */
  record Case(String function, String event, int exitCode, int httpStatus, String expectedText) {
    @Override
    public String toString() {
      return function + " < events/" + event;
    }
  }

  static List<Case> cases() {
    return List.of(
        new Case("ListNumbersFunction", "list-numbers.json", 0, 200, "\"numbers\""),
        new Case("ProvisionNumberFunction", "search-available-numbers.json", 0, 200, "+1415"),
        new Case("ProvisionNumberFunction", "provision-number.json", 0, 201, "\"status\":\"active\""),
        // the sample's number id is no number of this database
        new Case("ReleaseNumberFunction", "release-number.json", 0, 404, "not_found"),
        new Case("WalletFunction", "wallet-get.json", 0, 200, "balancePence"),
        // the return URLs come from events/env.example.json
        new Case("WalletFunction", "wallet-top-up.json", 0, 201, "checkoutUrl"),
        // signed long ago with the tests' secret: a replayed sample is refused, as it must be
        new Case("StripeWebhookFunction", "stripe-webhook-checkout-session-completed.json", 0, 400, "invalid_signature"),
        new Case("StripeWebhookFunction", "stripe-webhook-checkout-session-completed-base64.json", 0, 400,
            "invalid_signature"),
        new Case("ReconcileFunction", "schedule-reconcile.json", 0, -1, "finishedReleases"),
        new Case("DatabaseMigrationFunction", "cfn-database-migration-update.json", 0, -1, "\"Status\":\"SUCCESS\""),
        // registers the endpoint with the fake Stripe and stores its secret in the fake Secrets Manager
        new Case("StripeWebhookEndpointFunction", "cfn-stripe-webhook-endpoint-create.json", 0, -1,
            "\"Status\":\"SUCCESS\""),
        new Case("StripeWebhookEndpointFunction", "cfn-stripe-webhook-endpoint-delete.json", 0, -1,
            "\"Status\":\"SUCCESS\""));
  }

  @TempDir
  static Path dir;
  private static String databaseUrl;

  @BeforeAll
  static void database() {
    databaseUrl = EmbeddedDatabase.shared().freshDatabase();
    DemoOrganization.seed(databaseUrl);
    try (TestData db = new TestData(databaseUrl)) {
      db.credit(DemoOrganization.ORG_ID, 1_000, "adjustment", "the price of the sample's number");
    }
  }

  @AfterAll
  static void balanced() {
    try (TestData db = new TestData(databaseUrl)) {
      assertEquals(db.ledgerSum(DemoOrganization.ORG_ID), db.balance(DemoOrganization.ORG_ID));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void invoke_withTheSampleEvent_answersAsExpected(Case c) throws Exception {
    LocalTestSupport.Result r = LocalTestSupport.run(
        LocalTestSupport.processEnvironment(Map.of("DATABASE_URL", databaseUrl)),
        "invoke", c.function(), "--event", "events/" + c.event(), "--env-vars", "events/env.example.json",
        "--data-dir", dir.toString());

    assertEquals(c.exitCode(), r.exitCode(), r.stderr());
    JsonNode result = JSON.readTree(r.stdout());
    if (c.httpStatus() > 0) {
      assertEquals(c.httpStatus(), result.path("statusCode").asInt(), r.stdout());
      assertTrue(result.path("body").asText().contains(c.expectedText()), r.stdout());
    } else {
      assertTrue((r.stdout() + r.stderr()).contains(c.expectedText()), r.stdout() + r.stderr());
    }
  }

  @Test
  void everyFunctionOfTheTemplate_hasASampleEventHere() {
    Set<String> covered = cases().stream().map(Case::function).collect(Collectors.toSet());
    Set<String> functions = TemplateModel.load(Path.of("template.yaml")).functions().keySet();

    assertEquals(functions, covered);
    assertTrue(Stream.of(Path.of("events").toFile().list()).toList()
        .containsAll(cases().stream().map(Case::event).toList()));
  }
}
