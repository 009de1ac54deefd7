package dev.switchboard.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testing.EmbeddedDatabase;
import dev.switchboard.testing.Events;
import dev.switchboard.testing.TestData;
import dev.switchboard.testing.fake.FakeCloudFormation;
import dev.switchboard.testing.fake.FakeSecretsManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code ./run invoke} on every file of {@code events/}, as a new user runs them, in the order
 * docs/local.md lists them: no DATABASE_URL (the embedded database in a data directory of its
 * own, started by each command), no credentials (the sandboxes), and the options the docs
 * give. The samples then tell one story: the wallet is topped up by the Stripe samples (signed
 * again with the sandbox's secret), a number is bought with it, a refund is taken from it.
 */
class FunctionEventsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ENV_VARS = "events/env.example.json";

  /** One command: an HTTP status (or -1 for other events) and a text its output must hold. */
  record Case(String function, String event, boolean envVars, int httpStatus, String expectedText) {
    @Override
    public String toString() {
      return function + " < events/" + event;
    }
  }

  static List<Case> cases() {
    return List.of(
        new Case("DatabaseMigrationFunction", "cfn-database-migration-create.json", false, -1, "\"Status\":\"SUCCESS\""),
        new Case("ListNumbersFunction", "list-numbers.json", false, 200, "\"numbers\":[]"),
        // the same request as the lambda authorizer mode hands it over
        new Case("ListNumbersFunction", "list-numbers-lambda-authorizer.json", false, 200, "\"numbers\":[]"),
        // the lambda mode's authorizer: the sample's old token is signed again with the local key
        new Case("AuthorizerFunction", "authorizer-request.json", false, -1,
            "\"isAuthorized\":true,\"context\":{\"orgId\":\"" + Events.ORG + "\""),
        new Case("ProvisionNumberFunction", "search-available-numbers.json", false, 200, "+1415"),
        new Case("WalletFunction", "wallet-get.json", false, 200, "\"balancePence\":0"),
        // the return URLs come from the env-vars example, as docs/local.md shows
        new Case("WalletFunction", "wallet-top-up.json", true, 201, "checkoutUrl"),
        // the samples' signatures are old: signed again with the sandbox secret, they apply
        new Case("StripeWebhookFunction", "stripe-webhook-checkout-session-completed.json", false, 200,
            "{\"received\":true}"),
        new Case("StripeWebhookFunction", "stripe-webhook-checkout-session-completed-base64.json", false, 200,
            "\"received\":true"),
        new Case("StripeWebhookFunction", "stripe-webhook-payment-intent-succeeded.json", false, 200,
            "\"received\":true"),
        // £50 and £25 paid (the base64 sample is another Checkout session; the PaymentIntent
        // sample is the safety net of the first, already credited)
        new Case("WalletFunction", "wallet-get.json", false, 200, "\"balancePence\":7500"),
        new Case("ProvisionNumberFunction", "provision-number.json", false, 201, "\"status\":\"active\""),
        // the sample's number id is no number of this database
        new Case("ReleaseNumberFunction", "release-number.json", false, 404, "not_found"),
        new Case("ReconcileFunction", "schedule-reconcile.json", false, -1, "\"finishedReleases\":0"),
        new Case("StripeWebhookFunction", "stripe-webhook-charge-refunded.json", false, 200, "\"received\":true"),
        // then £10 for the number, £20 refunded
        new Case("WalletFunction", "wallet-get.json", false, 200, "\"balancePence\":4500"),
        // the first payment disputed: the bank takes what the refund left of it (£30), then returns it
        new Case("StripeWebhookFunction", "stripe-webhook-charge-dispute-funds-withdrawn.json", false, 200,
            "\"received\":true"),
        new Case("WalletFunction", "wallet-get.json", false, 200, "\"balancePence\":1500"),
        new Case("StripeWebhookFunction", "stripe-webhook-charge-dispute-funds-reinstated.json", false, 200,
            "\"received\":true"),
        new Case("DatabaseMigrationFunction", "cfn-database-migration-update.json", false, -1, "\"Status\":\"SUCCESS\""),
        new Case("DatabaseMigrationFunction", "cfn-database-migration-delete.json", false, -1, "\"Status\":\"SUCCESS\""),
        // registers the endpoint with the fake Stripe, its secret into the fake Secrets Manager
        new Case("StripeWebhookEndpointFunction", "cfn-stripe-webhook-endpoint-create.json", false, -1,
            "\"Status\":\"SUCCESS\""),
        // the sample's endpoint does not exist in this Stripe: replaced by a new one
        new Case("StripeWebhookEndpointFunction", "cfn-stripe-webhook-endpoint-update.json", false, -1,
            "\"Status\":\"SUCCESS\""),
        new Case("StripeWebhookEndpointFunction", "cfn-stripe-webhook-endpoint-delete.json", false, -1,
            "\"Status\":\"SUCCESS\""));
  }

  @TempDir
  static Path dataDir;

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void invoke_withTheSampleEvent_asANewUserRunsIt_answersAsExpected(Case c) throws Exception {
    List<String> args = new ArrayList<>(List.of("invoke", c.function(), "--event", "events/" + c.event(),
        "--data-dir", dataDir.toString()));
    if (c.envVars()) {
      args.addAll(List.of("--env-vars", ENV_VARS));
    }
    LocalTestSupport.Result r = LocalTestSupport.run(LocalTestSupport.processEnvironment(Map.of()),
        args.toArray(String[]::new));

    assertEquals(0, r.exitCode(), r.stderr());
    JsonNode result = JSON.readTree(r.stdout());
    if (c.httpStatus() > 0) {
      assertEquals(c.httpStatus(), result.path("statusCode").asInt(), r.stdout());
      assertTrue(result.path("body").asText().contains(c.expectedText()), r.stdout());
    } else {
      assertTrue((r.stdout() + r.stderr()).contains(c.expectedText()), r.stdout() + r.stderr());
    }
    assertTrue(r.stderr().contains("database  SANDBOX   embedded PostgreSQL"), "no DATABASE_URL: " + r.stderr());
    if (c.function().equals("StripeWebhookFunction")) {
      int signedAgain = r.stderr().indexOf("Stripe-Signature is signed again");
      int firstLogLine = r.stderr().indexOf("{\"timestamp\"");
      assertTrue(signedAgain >= 0 && (firstLogLine < 0 || signedAgain < firstLogLine),
          "said in the first lines, before the function logs: " + r.stderr());
    }
  }

  @Test
  void everyFileInEvents_andEveryFunctionOfTheTemplate_isRunHere() {
    Set<String> files = Stream.of(Path.of("events").toFile().list()).filter(f -> !f.equals("env.example.json"))
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(files, cases().stream().map(Case::event).collect(Collectors.toCollection(TreeSet::new)));
    assertEquals(TemplateModel.load(Path.of("template.yaml")).functions().keySet(),
        cases().stream().map(Case::function).collect(Collectors.toSet()));
  }

  @Test
  void aCustomResourceEventWithAReachableResponseUrl_goesUnchanged_andTheFunctionAnswersThatUrl() throws Exception {
    String databaseUrl = EmbeddedDatabase.shared().freshDatabase();
    try (FakeCloudFormation cloudFormation = new FakeCloudFormation()) {
      ObjectNode event = (ObjectNode) JSON.readTree(Files.readString(Path.of("events/cfn-database-migration-update.json")));
      String responseUrl = cloudFormation.responseUrl();
      event.put("ResponseURL", responseUrl);
      Path file = dataDir.resolve("update-with-my-receiver.json");
      Files.writeString(file, event.toString());

      // an event of your own stack: the function is told which stack that is
      LocalTestSupport.Result r = LocalTestSupport.run(
          LocalTestSupport.processEnvironment(Map.of("DATABASE_URL", databaseUrl, "STACK_ID", event.path("StackId").asText())),
          "invoke", "DatabaseMigrationFunction", "--event", file.toString(), "--data-dir", dataDir.toString());

      assertEquals(0, r.exitCode(), r.stderr());
      Map<String, Object> answer = cloudFormation.onlyAnswer();
      assertEquals("SUCCESS", answer.get("Status"));
      assertEquals(event.path("RequestId").asText(), answer.get("RequestId"), "the event reached the function as it was");
      assertEquals("switchboard-schema", answer.get("PhysicalResourceId"));
      assertTrue(r.stderr().contains("answers its ResponseURL " + cloudFormation.baseUrl()), r.stderr());
      assertTrue(r.stderr().contains("DatabaseMigrationFunction answered " + cloudFormation.baseUrl()), r.stderr());
      assertFalse(r.stderr().contains("X-Amz-Signature"), "the pre-signed query is never printed");
    }
  }

  @Test
  void anEventOfAnotherStackThanTheFunctionsOwn_isAnsweredFailed_atYourReceiver() throws Exception {
    try (FakeCloudFormation cloudFormation = new FakeCloudFormation()) {
      ObjectNode event = (ObjectNode) JSON.readTree(Files.readString(Path.of("events/cfn-database-migration-update.json")));
      event.put("ResponseURL", cloudFormation.responseUrl());
      Path file = dataDir.resolve("update-of-another-stack.json");
      Files.writeString(file, event.toString());

      LocalTestSupport.Result r = LocalTestSupport.run(
          LocalTestSupport.processEnvironment(Map.of("DATABASE_URL", EmbeddedDatabase.shared().freshDatabase())),
          "invoke", "DatabaseMigrationFunction", "--event", file.toString(), "--data-dir", dataDir.toString());

      assertEquals(1, r.exitCode(), r.stderr());
      assertEquals("FAILED", cloudFormation.onlyAnswer().get("Status"), "the loopback receiver is answered (the runner allows it)");
      assertTrue(String.valueOf(cloudFormation.onlyAnswer().get("Reason")).contains("StackId is not this function's stack"));
    }
  }

  @Test
  void aStripeSample_withAWebhookSecretOfYourOwn_goesUnchanged_andIsRefused() {
    LocalTestSupport.Result r = LocalTestSupport.run(
        LocalTestSupport.processEnvironment(Map.of("DATABASE_URL", EmbeddedDatabase.shared().freshDatabase(),
            "STRIPE_WEBHOOK_SECRET", "whsec_from_stripe_listen")),
        "invoke", "StripeWebhookFunction", "--event", "events/stripe-webhook-checkout-session-completed.json",
        "--data-dir", dataDir.toString());

    assertEquals(0, r.exitCode(), r.stderr());
    assertTrue(r.stdout().contains("\"statusCode\":400") && r.stdout().contains("invalid_signature"), r.stdout());
    assertFalse(r.stderr().contains("signed again"), r.stderr());
  }

  @Test
  void withASecretsManagerEndpointAndASecretId_theWebhookReadsThatSecret_asDeployed() {
    try (FakeSecretsManager secretsManager = new FakeSecretsManager()) {
      String arn = secretsManager.create("StripeWebhookSigningSecret-local");
      Map<String, String> env = new java.util.HashMap<>(Map.of(
          "DATABASE_URL", EmbeddedDatabase.shared().freshDatabase(),
          "AWS_ENDPOINT_URL_SECRETS_MANAGER", secretsManager.baseUrl(),
          "AWS_ACCESS_KEY_ID", "local-test", "AWS_SECRET_ACCESS_KEY", "local-test-secret",
          "STRIPE_WEBHOOK_SECRET_SECRET_ID", arn));

      // a new stack: the secret has no value yet
      LocalTestSupport.Result first = LocalTestSupport.run(LocalTestSupport.processEnvironment(env),
          "invoke", "StripeWebhookFunction", "--event", "events/stripe-webhook-checkout-session-completed.json",
          "--data-dir", dataDir.toString());
      assertEquals(0, first.exitCode(), first.stderr());
      assertTrue(first.stdout().contains("\"statusCode\":503") && first.stdout().contains("webhook_not_ready"),
          first.stdout());
      assertTrue(first.stderr().contains("webhook   REAL"), first.stderr());

      // with a value: read from there (the sample's own old signature is refused, not re-signed)
      secretsManager.put(arn, "whsec_test_registered_by_the_stack");
      LocalTestSupport.Result second = LocalTestSupport.run(LocalTestSupport.processEnvironment(env),
          "invoke", "StripeWebhookFunction", "--event", "events/stripe-webhook-checkout-session-completed.json",
          "--data-dir", dataDir.toString());
      assertTrue(second.stdout().contains("\"statusCode\":400") && second.stdout().contains("invalid_signature"),
          second.stdout());
      assertFalse(second.stderr().contains("signed again"), second.stderr());
      assertTrue(secretsManager.callsOf(FakeSecretsManager.GET_SECRET_VALUE) >= 2);
    }
  }

  @Test
  void withASecretsManagerEndpointAndDatabaseUrlSecretId_theRunnerAndTheFunctionUseThatDatabase() {
    try (FakeSecretsManager secretsManager = new FakeSecretsManager()) {
      String url = EmbeddedDatabase.shared().freshDatabase();
      // the sample's org, in that database only: a 200 shows the function used it
      try (TestData db = new TestData(url)) {
        db.org().id(Events.ORG).named("Secret db org").create();
      }
      String arn = secretsManager.put("database-url", url);
      Map<String, String> env = Map.of(
          "AWS_ENDPOINT_URL_SECRETS_MANAGER", secretsManager.baseUrl(),
          "AWS_ACCESS_KEY_ID", "local-test", "AWS_SECRET_ACCESS_KEY", "local-test-secret",
          "DATABASE_URL_SECRET_ID", arn);

      LocalTestSupport.Result r = LocalTestSupport.run(LocalTestSupport.processEnvironment(env),
          "invoke", "ListNumbersFunction", "--event", "events/list-numbers.json", "--data-dir", dataDir.toString());

      assertEquals(0, r.exitCode(), r.stderr());
      assertTrue(r.stdout().contains("\"statusCode\":200"), r.stdout());
      assertTrue(r.stderr().contains("database  REAL") && r.stderr().contains("read from the secret"), r.stderr());
      assertTrue(secretsManager.callsOf(FakeSecretsManager.GET_SECRET_VALUE) >= 2, "the runner, then the function");
    }
  }
}
