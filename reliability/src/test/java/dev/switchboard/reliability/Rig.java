package dev.switchboard.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.switchboard.config.Settings;
import dev.switchboard.function.listnumbers.ListNumbersHandler;
import dev.switchboard.function.provision.ProvisionNumberHandler;
import dev.switchboard.function.reconcile.ReconcileHandler;
import dev.switchboard.function.release.ReleaseNumberHandler;
import dev.switchboard.function.wallet.WalletHandler;
import dev.switchboard.function.webhook.StripeWebhookHandler;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonObject;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.testing.ApiEvents;
import dev.switchboard.testing.CommitDroppingProxy;
import dev.switchboard.testing.Events;
import dev.switchboard.testing.ProviderWorld;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.fake.FakeStripe;
import dev.switchboard.testing.stripe.StripeEvents;
import dev.switchboard.wiring.Platform;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The real functions of one scenario, on a {@link TestWorld} (a fresh database, FakeTwilio,
 * FakeVapi and FakeStripe over HTTP): the handlers built from the world's settings the way their
 * Lambda constructors build them, the events they are fed, and the deploy-time custom resources.
 * A test registers the world ({@code TestWorld.providers().asApplicationRole()}: the functions
 * log in as the application role, as in AWS) and makes its rig on it.
 */
final class Rig implements AutoCloseable {
  static final UUID EVENT_ORG = Events.ORG;
  static final long OPENING_BALANCE = 5000;
  static final long PRICE = 1000;
  static final String WEBHOOK_SECRET = Events.WEBHOOK_SECRET;
  static final Instant NOW = Events.NOW;

  final TestWorld testWorld;
  /** The world under its former name: {@code rig.world.db}, {@code rig.world.twilio}. */
  final ProviderWorld world;
  final FakeStripe stripe;
  final StripeEvents stripeEvents;
  private final boolean ownsWorld;
  private CustomResources resources;

  /** The functions on {@code world}, which the test's extension starts and closes. */
  Rig(TestWorld world) {
    this(world, false);
  }

  /** On a world of its own, closed with the rig (where no extension can make one: a dynamic test). */
  Rig() {
    this(false);
  }

  /** {@code throughPooler}: as behind RDS Proxy, each function transaction on a lent server connection. */
  Rig(boolean throughPooler) {
    this(throughPooler ? TestWorld.providers().asApplicationRole().throughPgBouncer().start()
        : TestWorld.providers().asApplicationRole().start(), true);
  }

  private Rig(TestWorld world, boolean ownsWorld) {
    this.testWorld = world;
    this.world = new ProviderWorld(world);
    this.stripe = world.stripe();
    this.stripeEvents = world.stripeEvents();
    this.ownsWorld = ownsWorld;
  }

  /**
   * A proxy between the functions and the database that can drop a commit's answer or go down,
   * made on first use: the handlers built after this call connect through it.
   */
  CommitDroppingProxy databaseProxy() {
    return testWorld.databaseProxy();
  }

  /** Secrets Manager and CloudFormation fakes for the deploy-time custom resources, made on first use. */
  CustomResources resources() {
    if (resources == null) {
      resources = new CustomResources(stripe);
    }
    return resources;
  }

  /** The environment every function reads (each takes what it needs). */
  Map<String, String> env() {
    // the suites send bursts of top-ups from one org; the limit itself is WalletHandlerTest's
    return testWorld.settings(Map.of("TOP_UP_LIMIT_PER_MINUTE", "0"));
  }

  Settings settings() {
    return Settings.of(env());
  }

  // ------------------------------------------------------------------ arrange

  /** The events' org, with money in its wallet and an inbound and an outbound agent. */
  UUID eventOrg() {
    return world.db.org().id(Events.ORG).named("Acme Dental").balance(OPENING_BALANCE)
        .agentWithAssistant("inbound", "asst_inbound_1").agent("outbound").create();
  }

  UUID otherOrg(String name) {
    return world.db.org().named(name).balance(OPENING_BALANCE).agent("outbound").create();
  }

  // ------------------------------------------------------------------ handlers

  ProvisionNumberHandler provisioning(SagaHooks hooks) {
    return new ProvisionNumberHandler(settings(), hooks);
  }

  ReleaseNumberHandler releasing(SagaHooks hooks) {
    return new ReleaseNumberHandler(settings(), hooks);
  }

  ListNumbersHandler listing() {
    return new ListNumbersHandler(Platform.from(settings()));
  }

  WalletHandler wallet() {
    return new WalletHandler(Platform.from(settings()));
  }

  StripeWebhookHandler webhook() {
    return new StripeWebhookHandler(Platform.from(settings()), testWorld.clock());
  }

  /** One scheduled reconcile run, as the schedule invokes it; its summary. */
  JsonObject reconcile() {
    ReconcileHandler handler = new ReconcileHandler(settings(), SagaHooks.NONE);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      handler.handleRequest(new ByteArrayInputStream(
          java.nio.file.Files.readAllBytes(java.nio.file.Path.of("events/schedule-reconcile.json"))), out, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Json.parseObject(out.toString(StandardCharsets.UTF_8));
  }

  // ------------------------------------------------------------------ events

  /** An events/ file as API Gateway hands it over, for {@code org} (null: no org claim). */
  static APIGatewayV2HTTPEvent event(String file, UUID org) {
    return ApiEvents.forOrg(file, org);
  }

  static APIGatewayV2HTTPEvent provisionEvent(UUID org, String direction, String idempotencyKey) {
    APIGatewayV2HTTPEvent e = event("events/provision-number.json", org);
    e.setBody("{\"country\":\"US\",\"numberType\":\"local\",\"areaCode\":\"415\",\"direction\":\"" + direction + "\"}");
    if (idempotencyKey == null) {
      e.getHeaders().remove("idempotency-key");
    } else {
      e.getHeaders().put("idempotency-key", idempotencyKey);
    }
    return e;
  }

  static APIGatewayV2HTTPEvent releaseEvent(UUID org, String numberId) {
    APIGatewayV2HTTPEvent e = event("events/release-number.json", org);
    e.setPathParameters(new HashMap<>(Map.of("id", numberId)));
    e.setRawPath("/phone-numbers/" + numberId);
    e.getRequestContext().getHttp().setPath("/phone-numbers/" + numberId);
    return e;
  }

  /** A Stripe delivery of {@code body}, signed now with the endpoint's secret. */
  static APIGatewayV2HTTPEvent stripeDelivery(String body) {
    return ApiEvents.stripeDelivery(body, WEBHOOK_SECRET, NOW);
  }

  static APIGatewayV2HTTPEvent stripeDelivery(String body, String signature) {
    return ApiEvents.stripeDelivery(body, signature);
  }

  /** Provisions a number through the real handler, fault-free; its id. */
  String provisioned(UUID org, String direction) {
    APIGatewayV2HTTPResponse r = provisioning(SagaHooks.NONE).handleRequest(provisionEvent(org, direction, null), null);
    assertEquals(201, r.getStatusCode(), r.getBody());
    return Json.parseObject(r.getBody()).string("id");
  }

  @Override
  public void close() {
    if (resources != null) {
      resources.close();
    }
    if (ownsWorld) {
      testWorld.close();
    }
  }
}
