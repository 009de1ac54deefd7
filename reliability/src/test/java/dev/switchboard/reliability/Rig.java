package dev.switchboard.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.stripe.Stripe;
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
import dev.switchboard.testing.CommitDroppingProxy;
import dev.switchboard.testing.EmbeddedDatabase;
import dev.switchboard.testing.PgBouncer;
import dev.switchboard.testing.ProviderWorld;
import dev.switchboard.testing.fake.FakeStripe;
import dev.switchboard.testing.stripe.StripeEvents;
import dev.switchboard.testing.stripe.StripeSignatures;
import dev.switchboard.wiring.Platform;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Everything one scenario of the suite runs against: a fresh database, FakeTwilio, FakeVapi
 * and FakeStripe over HTTP, the settings that point every function at them, and the real
 * handlers built from those settings the way their Lambda constructors build them.
 */
final class Rig implements AutoCloseable {
  /** The org the events/ files carry in their JWT claims. */
  static final UUID EVENT_ORG = UUID.fromString("11111111-1111-4111-8111-111111111111");
  static final long OPENING_BALANCE = 5000;
  static final long PRICE = 1000;
  /** Obviously fake; what the webhook verifies with. */
  static final String WEBHOOK_SECRET = "whsec_test_reliability_suite_not_a_real_secret";
  static final Instant NOW = Instant.ofEpochSecond(1_795_775_410L);

  final ProviderWorld world;
  /** The functions reach the database through PgBouncer in transaction mode (arrangements do not). */
  private final boolean throughPooler;
  final FakeStripe stripe = new FakeStripe();
  final StripeEvents stripeEvents = new StripeEvents(Stripe.API_VERSION, NOW);
  private CustomResources resources;
  private CommitDroppingProxy databaseProxy;

  Rig() {
    this(false);
  }

  /** {@code throughPooler}: as behind RDS Proxy, each function transaction on a lent server connection. */
  Rig(boolean throughPooler) {
    this(new ProviderWorld(), throughPooler);
  }

  /** On {@code world}'s database, which may be on a server of its own. */
  Rig(ProviderWorld world, boolean throughPooler) {
    this.world = world;
    this.throughPooler = throughPooler;
  }

  /**
   * A proxy between the functions and the database that can drop a commit's answer or go down,
   * made on first use: the handlers built after this call connect through it.
   */
  CommitDroppingProxy databaseProxy() {
    if (databaseProxy == null) {
      databaseProxy = new CommitDroppingProxy(EmbeddedDatabase.shared().port());
    }
    return databaseProxy;
  }

  /** Secrets Manager and CloudFormation fakes for the deploy-time custom resources, made on first use. */
  CustomResources resources() {
    if (resources == null) {
      resources = new CustomResources(stripe);
    }
    return resources;
  }

  /**
   * The environment every function reads (each takes what it needs). The functions connect
   * as the application role, as in AWS (least privilege): every scenario of the suite proves that
   * role can do its flow's work; the arrangements and checks use the owner's connection.
   */
  Map<String, String> env() {
    Map<String, String> env = new HashMap<>(world.settings());
    String url = EmbeddedDatabase.shared().asApplicationRole(world.db.jdbcUrl());
    if (databaseProxy != null) {
      url = databaseProxy.jdbcUrl(url);
    }
    env.put("DATABASE_URL", throughPooler ? PgBouncer.shared().route(url) : url);
    env.put("STRIPE_API_KEY", FakeStripe.DEFAULT_API_KEY);
    env.put("STRIPE_API_BASE_URL", stripe.baseUrl());
    env.put("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET);
    env.put("TOP_UP_SUCCESS_URL", "https://app.example.com/wallet?topup=success");
    // the suites send bursts of top-ups from one org; the limit itself is WalletHandlerTest's
    env.put("TOP_UP_LIMIT_PER_MINUTE", "0");
    env.put("TOP_UP_CANCEL_URL", "https://app.example.com/wallet?topup=cancelled");
    return env;
  }

  Settings settings() {
    return Settings.of(env());
  }

  // ------------------------------------------------------------------ arrange

  /** The events' org, with money in its wallet and an inbound and an outbound agent. */
  UUID eventOrg() {
    world.db.update("INSERT INTO organizations (id, name) VALUES (?, 'Acme Dental')", EVENT_ORG);
    world.db.credit(EVENT_ORG, OPENING_BALANCE, "adjustment", "opening balance");
    world.db.agentWithAssistant(EVENT_ORG, "inbound", "asst_inbound_1");
    world.db.agent(EVENT_ORG, "outbound");
    return EVENT_ORG;
  }

  UUID otherOrg(String name) {
    UUID org = world.db.organization(name, OPENING_BALANCE);
    world.db.agent(org, "outbound");
    return org;
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
    return new StripeWebhookHandler(Platform.from(settings()), Clock.fixed(NOW, ZoneOffset.UTC));
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
    APIGatewayV2HTTPEvent e = EventLoader.loadApiGatewayHttpEvent(file);
    Map<String, String> claims = e.getRequestContext().getAuthorizer().getJwt().getClaims();
    if (org == null) {
      claims.remove("org_id");
    } else {
      claims.put("org_id", org.toString());
    }
    return e;
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
    return stripeDelivery(body, StripeSignatures.header(body, WEBHOOK_SECRET, NOW));
  }

  static APIGatewayV2HTTPEvent stripeDelivery(String body, String signature) {
    APIGatewayV2HTTPEvent e = EventLoader.loadApiGatewayHttpEvent("events/stripe-webhook-checkout-session-completed.json");
    e.setBody(body);
    e.setIsBase64Encoded(false);
    e.getHeaders().keySet().removeIf(h -> h.equalsIgnoreCase("stripe-signature"));
    if (signature != null) {
      e.getHeaders().put("stripe-signature", signature);
    }
    return e;
  }

  /** Provisions a number through the real handler, fault-free; its id. */
  String provisioned(UUID org, String direction) {
    APIGatewayV2HTTPResponse r = provisioning(SagaHooks.NONE).handleRequest(provisionEvent(org, direction, null), null);
    assertEquals(201, r.getStatusCode(), r.getBody());
    return Json.parseObject(r.getBody()).string("id");
  }

  @Override
  public void close() {
    // every handler built here holds pooled connections: end them, or a long suite runs the
    // shared server out of connection slots
    world.db.killOtherConnections();
    if (resources != null) {
      resources.close();
    }
    if (databaseProxy != null) {
      databaseProxy.close();
    }
    stripe.close();
    world.close();
  }
}
