package dev.switchboard.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.CloudFormationCustomResourceEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.config.Settings;
import dev.switchboard.function.migration.DatabaseMigrationHandler;
import dev.switchboard.function.provision.ProvisionNumberHandler;
import dev.switchboard.json.Json;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.testing.LambdaContext;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.fake.FakeStripe;
import dev.switchboard.testing.fake.FakeTwilio;
import dev.switchboard.testing.fake.FakeVapi;
import dev.switchboard.testing.fake.Fault;
import dev.switchboard.testing.stripe.StripeEvents;
import dev.switchboard.testing.stripe.StripeSignatures;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Runs a representative flow of every function, successes and failures alike, with all of
 * standard output and standard error captured, and asserts that no credential appears in any
 * log line, any HTTP answer or any answer to CloudFormation: the Twilio master and subaccount
 * tokens, the Vapi key, the Stripe key, the webhook signing secrets (ours and the ones Stripe
 * hands out at registration), the encryption key, the database password, the AWS secret key,
 * and the callers' bearer tokens.
 */
class SecretsTest {
  @RegisterExtension final TestWorld world = TestWorld.providers().asApplicationRole();
  private static final String DB_PASSWORD = "db-password-for-reliability-7f3a9c";

  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private final List<String> answers = new ArrayList<>();
  private PrintStream stdout;
  private PrintStream stderr;
  private Rig rig;

  @BeforeEach
  void capture() {
    stdout = System.out;
    stderr = System.err;
    System.setOut(new PrintStream(new Tee(stdout, captured), true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(new Tee(stderr, captured), true, StandardCharsets.UTF_8));
    rig = new Rig(world);
  }

  @AfterEach
  void restore() {
    System.setOut(stdout);
    System.setErr(stderr);
    rig.close();
  }

  /** Writes to the real stream and to the capture buffer. */
  private static final class Tee extends OutputStream {
    private final OutputStream original;
    private final ByteArrayOutputStream copy;

    Tee(OutputStream original, ByteArrayOutputStream copy) {
      this.original = original;
      this.copy = copy;
    }

    @Override
    public void write(int b) {
      synchronized (copy) {
        copy.write(b);
      }
      try {
        original.write(b);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) {
      synchronized (copy) {
        copy.write(b, off, len);
      }
      try {
        original.write(b, off, len);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  /** The rig's environment with a database URL that carries a password (local trust auth ignores it). */
  private Map<String, String> env() {
    Map<String, String> env = new HashMap<>(rig.env());
    URI jdbc = URI.create(rig.world.db.jdbcUrl().substring("jdbc:".length()));
    env.put("DATABASE_URL", "postgres://postgres:" + DB_PASSWORD + "@" + jdbc.getHost() + ":" + jdbc.getPort() + jdbc.getPath());
    return env;
  }

  private APIGatewayV2HTTPResponse record(APIGatewayV2HTTPResponse r) {
    answers.add(r.getStatusCode() + " " + r.getHeaders() + " " + r.getBody());
    return r;
  }

  @Test
  void noCredentialAppearsInAnyLogLineOrAnswer_acrossEveryFunctionsFlows() {
    Settings settings = Settings.of(env());
    UUID org = rig.eventOrg();

    // provisioning: search, success, a provider failure compensated, a provider refusing our credentials
    ProvisionNumberHandler provisioning = new ProvisionNumberHandler(settings, SagaHooks.NONE);
    record(provisioning.handleRequest(Rig.event("events/search-available-numbers.json", org), null));
    APIGatewayV2HTTPResponse created = record(provisioning.handleRequest(Rig.provisionEvent(org, "inbound", "k-1"), null));
    assertEquals(201, created.getStatusCode(), created.getBody());
    rig.world.vapi.failNext(FakeVapi.CREATE, Fault.status(500));
    assertEquals(502, record(provisioning.handleRequest(Rig.provisionEvent(org, "outbound", "k-2"), null)).getStatusCode());
    rig.world.twilio.failNext(FakeTwilio.SEARCH_LOCAL, Fault.status(401, "20003", "Authenticate"));
    record(provisioning.handleRequest(Rig.provisionEvent(org, "unassigned", "k-3"), null));
    record(new ProvisionNumberHandler(Settings.of(withTwilioToken(env(), "wrong-master-token-0000")), SagaHooks.NONE)
        .handleRequest(Rig.event("events/search-available-numbers.json", org), null));

    // listing, and a release that Twilio first refuses, finished by the reconciler
    record(new dev.switchboard.function.listnumbers.ListNumbersHandler(dev.switchboard.wiring.Platform.from(settings))
        .handleRequest(Rig.event("events/list-numbers.json", org), null));
    rig.world.twilio.failNext(FakeTwilio.RELEASE, Fault.status(500));
    String id = Json.parseObject(created.getBody()).string("id");
    assertEquals(202, record(new dev.switchboard.function.release.ReleaseNumberHandler(settings, SagaHooks.NONE)
        .handleRequest(Rig.releaseEvent(org, id), null)).getStatusCode());
    rig.world.expireLeases();
    answers.add(Json.write(rig.reconcile().asMap()));

    // the wallet: a top-up, a Stripe refusal, the statement
    var wallet = new dev.switchboard.function.wallet.WalletHandler(dev.switchboard.wiring.Platform.from(settings));
    assertEquals(201, record(wallet.handleRequest(Rig.event("events/wallet-top-up.json", org), null)).getStatusCode());
    rig.stripe.failNext(FakeStripe.CREATE_SESSION, Fault.status(401, null, "Invalid API Key provided: sk_test_****"));
    APIGatewayV2HTTPEvent retry = Rig.event("events/wallet-top-up.json", org);
    retry.getHeaders().put("idempotency-key", "another-top-up");
    record(wallet.handleRequest(retry, null));
    record(wallet.handleRequest(Rig.event("events/wallet-get.json", org), null));

    // the webhook: applied, badly signed, unreadable, failing to apply
    var webhook = new dev.switchboard.function.webhook.StripeWebhookHandler(dev.switchboard.wiring.Platform.from(settings),
        java.time.Clock.fixed(Rig.NOW, java.time.ZoneOffset.UTC));
    String paid = rig.stripeEvents.checkoutSessionCompleted(StripeEvents.id("evt"), StripeEvents.topUp(org, 2500));
    assertEquals(200, record(webhook.handleRequest(Rig.stripeDelivery(paid), null)).getStatusCode());
    record(webhook.handleRequest(Rig.stripeDelivery(paid, StripeSignatures.header(paid, "whsec_wrong", Rig.NOW)), null));
    record(webhook.handleRequest(Rig.stripeDelivery("not json"), null));
    // a failure that persists (a lost connection before commit is retried once, and would succeed)
    rig.world.db.update("""
        CREATE FUNCTION secrets_test_fail() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'injected failure'; END; $$""");
    rig.world.db.update("CREATE TRIGGER secrets_test_fail AFTER INSERT ON credit_transactions "
        + "FOR EACH ROW EXECUTE FUNCTION secrets_test_fail()");
    String second = rig.stripeEvents.checkoutSessionCompleted(StripeEvents.id("evt"), StripeEvents.topUp(org, 3000));
    assertEquals(500, record(webhook.handleRequest(Rig.stripeDelivery(second), null)).getStatusCode());
    rig.world.db.update("DROP TRIGGER secrets_test_fail ON credit_transactions");

    // the custom resources: the schema migration and the endpoint registration, which receives a signing secret
    List<String> endpointSecrets = new ArrayList<>();
    try (CustomResources resources = new CustomResources(rig.stripe)) {
      new DatabaseMigrationHandler(settings).handleRequest(
          resources.event("events/cfn-database-migration-create.json", null),
          new LambdaContext("DatabaseMigrationFunction", java.time.Duration.ofMinutes(5)));
      answers.addAll(resources.cloudFormation.rawAnswers());
      CloudFormationCustomResourceEvent create = resources.event("events/cfn-stripe-webhook-endpoint-create.json", null);
      Map<String, Object> registered = resources.run(resources.endpointHandler(create), create);
      assertEquals("SUCCESS", registered.get("Status"), String.valueOf(registered));
      answers.addAll(resources.cloudFormation.rawAnswers());
      rig.stripe.failNext(FakeStripe.CREATE_ENDPOINT, Fault.status(500));
      resources.run(resources.endpointHandler(create), resources.event("events/cfn-stripe-webhook-endpoint-create.json", null));
      answers.addAll(resources.cloudFormation.rawAnswers());
      rig.stripe.endpoints().forEach(e -> rig.stripe.secretOf(e.id()).ifPresent(endpointSecrets::add));
      assertTrue(resources.secretsManager.value(resources.secretArn).isPresent(), "the secret was stored");
    }

    // a function started without a setting names it, and nothing else
    try {
      Map<String, String> missing = new HashMap<>(env());
      missing.remove("VAPI_API_KEY");
      new ProvisionNumberHandler(Settings.of(missing), SagaHooks.NONE);
    } catch (RuntimeException expected) {
      System.out.println(expected.getMessage());
    }

    Map<String, String> secrets = new LinkedHashMap<>();
    secrets.put("Twilio master token", TestWorld.MASTER_TOKEN);
    rig.world.twilio.subaccounts().forEach(a -> secrets.put("Twilio subaccount token " + a.sid(), a.authToken()));
    secrets.put("Vapi key", TestWorld.VAPI_KEY);
    secrets.put("Stripe key", FakeStripe.DEFAULT_API_KEY);
    secrets.put("webhook secret", Rig.WEBHOOK_SECRET);
    endpointSecrets.forEach(s -> secrets.put("registered endpoint secret", s));
    secrets.put("encryption key", TestWorld.ENCRYPTION_KEY);
    secrets.put("database password", DB_PASSWORD);
    secrets.put("AWS secret key", CustomResources.AWS_SECRET_ACCESS_KEY);
    secrets.put("caller's bearer token", bearerToken());
    assertFalse(endpointSecrets.isEmpty(), "registration produced a signing secret to look for");
    assertTrue(rig.world.twilio.subaccounts().size() >= 1, "a subaccount token exists to look for");

    String logs = captured.toString(StandardCharsets.UTF_8);
    assertTrue(logs.contains("provision.active") && logs.contains("stripe.event.processed"), "the logs were captured");
    String everything = logs + "\n" + String.join("\n", answers);
    secrets.forEach((what, secret) -> {
      assertFalse(everything.contains(secret), "the " + what + " leaked");
      // the encryption key's halves, in case something prints part of it
      if (secret.length() >= 32) {
        assertFalse(everything.contains(secret.substring(0, 24)), "part of the " + what + " leaked");
      }
    });
  }

  private static Map<String, String> withTwilioToken(Map<String, String> env, String token) {
    Map<String, String> copy = new HashMap<>(env);
    copy.put("TWILIO_MASTER_AUTH_TOKEN", token);
    return copy;
  }

  private static String bearerToken() {
    String header = EventLoader.loadApiGatewayHttpEvent("events/provision-number.json").getHeaders().get("authorization");
    return header.substring("Bearer ".length());
  }
}
