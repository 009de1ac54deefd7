package dev.switchboard.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.CloudFormationCustomResourceEvent;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonObject;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.stripe.WebhookSecrets;
import dev.switchboard.testing.Await;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.fake.FakeHttpServer;
import dev.switchboard.testing.fake.FakeSecretsManager;
import dev.switchboard.testing.fake.FakeStripe;
import dev.switchboard.testing.fake.FakeStripeEndpoint;
import dev.switchboard.testing.fake.FakeTwilio;
import dev.switchboard.testing.fake.FakeVapi;
import dev.switchboard.testing.fake.Fault;
import dev.switchboard.testing.stripe.StripeEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * Every external call and transaction boundary of provisioning, release, the webhook and the
 * webhook's registration at deploy time, each
 * failed in every way it can fail. After the client's (or Stripe's) retries and one reconcile
 * run, the same guarantees hold in every cell ({@link Invariants#assertSettled}): Invariant 9 (docs/architecture.md),
 * wallet = ledger, nothing held at Twilio or Vapi without an active record, no event processed
 * without its effect. The matrix is printed at the end (it lands in the surefire report).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FaultMatrixTest {
  private static final Duration PAST_TIMEOUT = Duration.ofMillis(TestWorld.READ_TIMEOUT_MILLIS * 2);
  /** Enough to outlast any retry a client makes by itself; healed before the caller retries. */
  private static final int FAULTY_CALLS = 3;

  /** The columns: each way a step can fail. */
  enum FaultKind {
    PROVIDER_5XX("5xx"),
    PROVIDER_4XX("4xx+body"),
    TIMEOUT("timeout"),
    DROPPED("dropped"),
    /** The client times out, yet the provider did the work: the outcome the saga must find out. */
    LATE_SUCCESS("late 2xx"),
    DB_KILLED("db killed"),
    /** The database becomes unreachable after the step and stays down until the function has answered. */
    DB_DOWN("db down"),
    DIES("dies");

    final String label;

    FaultKind(String label) {
      this.label = label;
    }

    boolean atProvider() {
      return this != DB_KILLED && this != DB_DOWN && this != DIES;
    }
  }

  /**
   * One row. {@code server}/{@code route}: its provider call (null: none). {@code kill…}: the
   * trigger that kills the connection inside the step's transaction. {@code dieAfterHook} or
   * {@code dieAfterLog}: where the function dies (null: no boundary of its own).
   */
  record Step(String flow, String name, Function<Rig, FakeHttpServer> server, String route,
              String killTiming, String killWhen, String dieAfterHook, String dieAfterLog) {
    String label() {
      return flow + ": " + name;
    }

    boolean applies(FaultKind kind) {
      if (kind.atProvider()) {
        return route != null;
      }
      if (kind == FaultKind.DB_KILLED) {
        return killTiming != null;
      }
      if (kind == FaultKind.DB_DOWN) {
        return flow.equals("provision") && dieAfterHook != null;
      }
      return dieAfterHook != null || dieAfterLog != null;
    }
  }

  private static final String NUMBER_UPDATE = "AFTER UPDATE ON managed_phone_numbers";

  static final List<Step> PROVISIONING = List.of(
      new Step("provision", "subaccount create", r -> r.world.twilio, FakeTwilio.CREATE_ACCOUNT,
          "AFTER INSERT ON twilio_subaccounts", null, "subaccount", null),
      // nothing durable happens between the search and the purchase's first write: no death point of its own
      new Step("provision", "search", r -> r.world.twilio, FakeTwilio.SEARCH_LOCAL,
          NUMBER_UPDATE, "OLD.phone_number IS NULL AND NEW.phone_number IS NOT NULL AND NEW.twilio_phone_sid IS NULL",
          null, null),
      new Step("provision", "purchase", r -> r.world.twilio, FakeTwilio.BUY,
          NUMBER_UPDATE, "OLD.twilio_phone_sid IS NULL AND NEW.twilio_phone_sid IS NOT NULL", "purchase", null),
      new Step("provision", "vapi import", r -> r.world.vapi, FakeVapi.CREATE,
          NUMBER_UPDATE, "OLD.vapi_phone_id IS NULL AND NEW.vapi_phone_id IS NOT NULL", "vapi_import", null),
      // dies after the final commit, before the client hears 201
      new Step("provision", "final transaction", r -> null, null,
          "AFTER INSERT ON org_credentials", null, null, "provision.active"));

  static final List<Step> RELEASE = List.of(
      // dies inside the first transaction, before its commit
      new Step("release", "first transaction", r -> null, null,
          NUMBER_UPDATE, "OLD.status = 'active' AND NEW.status = 'releasing'", null, "release.started"),
      // dies after Vapi deleted the number, before that is recorded
      new Step("release", "vapi delete", r -> r.world.vapi, FakeVapi.DELETE,
          NUMBER_UPDATE, "OLD.vapi_released_at IS NULL AND NEW.vapi_released_at IS NOT NULL", null,
          "number.vapi.released"),
      // dies after Twilio released the number, before that is recorded
      new Step("release", "twilio release", r -> r.world.twilio, FakeTwilio.RELEASE,
          NUMBER_UPDATE, "OLD.twilio_released_at IS NULL AND NEW.twilio_released_at IS NOT NULL", null,
          "number.twilio.released"),
      // dies after the last commit, before the client hears 200
      new Step("release", "last transaction", r -> null, null,
          NUMBER_UPDATE, "OLD.status = 'releasing' AND NEW.status = 'released'", null, "release.done"));

  static final List<Step> WEBHOOK = List.of(
      // dies after the commit, before Stripe hears 200
      new Step("webhook", "apply transaction", r -> null, null,
          "AFTER INSERT ON credit_transactions", "NEW.stripe_event_id IS NOT NULL", null, "stripe.event.processed"),
      // the same for a dispute's two events, once the top-up they take back is credited
      new Step("webhook", "dispute withdrawal", r -> null, null,
          "AFTER INSERT ON credit_transactions", "NEW.type = 'dispute'", null, "stripe.event.processed"),
      new Step("webhook", "dispute reinstatement", r -> null, null,
          "AFTER INSERT ON credit_transactions", "NEW.type = 'dispute_reinstated'", null, "stripe.event.processed"));

  private static final String CREATE = "events/cfn-stripe-webhook-endpoint-create.json";
  private static final String UPDATE = "events/cfn-stripe-webhook-endpoint-update.json";
  private static final String DELETE = "events/cfn-stripe-webhook-endpoint-delete.json";

  /** Webhook registration at deploy time: every Stripe call (and the secret's write) of Create, Update, Delete. */
  static final List<Step> REGISTRATION_CREATE = List.of(
      new Step("registration", "list endpoints", r -> r.stripe, FakeStripe.LIST_ENDPOINTS, null, null, null, null),
      // dies after Stripe made the endpoint, before its secret is stored
      new Step("registration", "create endpoint", r -> r.stripe, FakeStripe.CREATE_ENDPOINT, null, null, null,
          "stripe.webhook_endpoint.created"),
      new Step("registration", "delete replaced endpoint", r -> r.stripe, FakeStripe.DELETE_ENDPOINT, null, null,
          null, "stripe.webhook_endpoint.replaced"),
      // written last, once the endpoint set is final (read first, to keep the replaced key)
      new Step("registration", "store secret (Secrets Mgr)", r -> r.resources().secretsManager,
          FakeSecretsManager.ROUTE, null, null, null, "stripe.webhook_endpoint.secret_stored"));

  static final List<Step> REGISTRATION_UPDATE = List.of(
      new Step("registration", "retrieve endpoint (update)", r -> r.stripe, FakeStripe.GET_ENDPOINT, null, null,
          null, null),
      new Step("registration", "update endpoint", r -> r.stripe, FakeStripe.UPDATE_ENDPOINT, null, null, null,
          "stripe.webhook_endpoint.updated"));

  static final List<Step> REGISTRATION_DELETE = List.of(
      new Step("registration", "delete endpoint (delete)", r -> r.stripe, FakeStripe.DELETE_ENDPOINT, null, null,
          null, "stripe.webhook_endpoint.deleted"));

  /** row label → column → "pass" / "FAIL"; "n/a" where the fault cannot happen at that step. */
  private final Map<String, Map<FaultKind, String>> matrix = new LinkedHashMap<>();

  /**
   * The two follow-up columns (a refunded failure holds nothing), asked of every fault cell of a provisioning row: what another
   * tenant and the same tenant with a new key get during the failed attempt's clean-up window.
   */
  enum FollowUp {
    OTHER_TENANT("other org"),
    NEW_KEY("new key");

    final String label;

    FollowUp(String label) {
      this.label = label;
    }
  }

  /** row label → follow-up → per fault cell: "pass", or "n/a" (the first attempt succeeded: no refund to retry after). */
  private final Map<String, Map<FollowUp, Map<FaultKind, String>>> followUps = new LinkedHashMap<>();

  private void followUp(Injection injection, FollowUp column, String result) {
    followUps.computeIfAbsent(injection.step.label(), s -> new EnumMap<>(FollowUp.class))
        .computeIfAbsent(column, c -> new EnumMap<>(FaultKind.class)).put(injection.kind, result);
  }

  /** A row's follow-up column: "pass" when every fault cell of the row passed it. */
  private String followUpCell(String row, FollowUp column, Map<FaultKind, String> faults) {
    if (!followUps.containsKey(row) && PROVISIONING.stream().noneMatch(s -> s.label().equals(row))) {
      return "n/a";
    }
    Map<FaultKind, String> results = followUps.getOrDefault(row, Map.of()).getOrDefault(column, Map.of());
    long cells = faults.values().stream().filter(v -> !v.equals("n/a")).count();
    long passed = results.values().stream().filter(v -> v.equals("pass")).count();
    long notApplicable = results.values().stream().filter(v -> v.equals("n/a")).count();
    String tally = passed + "/" + (cells - notApplicable);
    return (passed + notApplicable == cells ? "pass " : "FAIL ") + tally;
  }

  @TestFactory
  Stream<DynamicTest> provisioning() {
    return cells(PROVISIONING, this::provisionUnder);
  }

  @TestFactory
  Stream<DynamicTest> release() {
    return cells(RELEASE, this::releaseUnder);
  }

  @TestFactory
  Stream<DynamicTest> webhookApplication() {
    return cells(WEBHOOK, this::applyWebhookUnder);
  }

  @TestFactory
  Stream<DynamicTest> registrationCreate() {
    return cells(REGISTRATION_CREATE, this::registerUnder);
  }

  @TestFactory
  Stream<DynamicTest> registrationUpdate() {
    return cells(REGISTRATION_UPDATE, this::updateRegistrationUnder);
  }

  @TestFactory
  Stream<DynamicTest> registrationDelete() {
    return cells(REGISTRATION_DELETE, this::deleteRegistrationUnder);
  }

  // ------------------------------------------------------------------ the flows

  /**
   * POST /phone-numbers with an Idempotency-Key; the client retries with the same key. Then,
   * during the clean-up window (before the reconcile run), the two follow-ups a refunded failure must allow:
   * another tenant buys in the same area code, and the same tenant, told its attempt failed
   * and was refunded, retries with a new key. Both must get a number.
   */
  private void provisionUnder(Rig rig, Injection injection) {
    if (injection.kind == FaultKind.DB_DOWN) {
      provisionWhileTheDatabaseStaysDown(rig, injection);
      return;
    }
    UUID org = rig.eventOrg();
    String key = "matrix-" + UUID.randomUUID();
    injection.arm(rig);
    Answer first = Answer.of(() -> rig.provisioning(injection.hooks(rig))
        .handleRequest(Rig.provisionEvent(org, "inbound", key), null));
    injection.disarm(rig);
    injection.assertFired(rig);
    first.assertOneOf(Set.of(201, 502));

    // the client retries with the same key until it gets a settled answer
    Answer last = first;
    for (int i = 0; i < 3 && (last.crashed() || last.isError(409, "request_in_progress") || i == 0); i++) {
      last = Answer.of(() -> rig.provisioning(SagaHooks.NONE).handleRequest(Rig.provisionEvent(org, "inbound", key), null));
      if (last.isError(409, "request_in_progress")) {
        rig.world.expireLeases(); // the dead attempt's lease lapses
      }
    }
    last.assertOneOf(Set.of(201, 502));
    if (!first.crashed()) {
      assertEquals(first.status(), last.status(), "a retry with the same key answers as the first did");
    }
    boolean refunded = last.status() != 201;
    if (refunded) {
      assertEquals(Boolean.TRUE, last.json().object("error").optBoolean("refunded").orElse(false), last.body());
    }

    // during the clean-up window: nothing of the failed attempt may stand in anyone's way
    UUID other = rig.otherOrg("Other Clinic");
    Answer otherTenant = Answer.of(() -> rig.provisioning(SagaHooks.NONE)
        .handleRequest(Rig.provisionEvent(other, "inbound", "other-" + key), null));
    assertEquals(201, otherTenant.status(), "another tenant, same area code: " + otherTenant.body());
    followUp(injection, FollowUp.OTHER_TENANT, "pass");
    Answer newKey = Answer.of(() -> rig.provisioning(SagaHooks.NONE)
        .handleRequest(Rig.provisionEvent(org, "inbound", "new-" + key), null));
    if (refunded) {
      assertEquals(201, newKey.status(), "the same tenant with a new key after a refunded 502: " + newKey.body());
      followUp(injection, FollowUp.NEW_KEY, "pass");
    } else {
      assertTrue(newKey.isError(409, "number_exists"), "its first number is live: " + newKey.body());
      followUp(injection, FollowUp.NEW_KEY, "n/a");
    }

    rig.world.expireLeases();
    rig.reconcile();
    Invariants.assertSettled(rig.world);

    String active = "SELECT id::text AS id FROM managed_phone_numbers WHERE status = 'active' AND org_id = ?";
    assertEquals(1, rig.world.db.count("SELECT count(*) FROM managed_phone_numbers WHERE status = 'active' AND org_id = ?",
        org), "one live number: the first attempt's, or the new key's");
    assertEquals((refunded ? newKey : last).json().string("id"), rig.world.db.row(active, org).get("id"));
    assertEquals(otherTenant.json().string("id"), rig.world.db.row(active, other).get("id"));
    assertEquals(Rig.OPENING_BALANCE - Rig.PRICE, rig.world.db.balance(org), "charged exactly for the live number");
    assertEquals(Rig.OPENING_BALANCE - Rig.PRICE, rig.world.db.balance(other));
  }

  /**
   * POST /phone-numbers loses its database after the wallet was charged, and it stays down
   * while the function tries to undo: it cannot settle anything, so it says so (503
   * outcome_pending, charged), never "nothing was done". Nobody acts on it: once the database
   * is back, the reconciler settles the attempt after its lease, and the money is back. Then the
   * same key learns the outcome; during the window another tenant buys in the same area code.
   */
  private void provisionWhileTheDatabaseStaysDown(Rig rig, Injection injection) {
    UUID org = rig.eventOrg();
    String key = "matrix-" + UUID.randomUUID();
    injection.arm(rig);
    Answer first = Answer.of(() -> rig.provisioning(injection.hooks(rig))
        .handleRequest(Rig.provisionEvent(org, "inbound", key), null));
    injection.assertFired(rig);
    assertTrue(first.isError(503, "outcome_pending"), first.body());
    JsonObject error = first.json().object("error");
    assertEquals(Boolean.TRUE, error.optBoolean("charged").orElse(false), first.body());
    assertTrue(first.response().getHeaders().containsKey("retry-after"), "Retry-After: " + first.response().getHeaders());
    injection.disarm(rig);

    UUID other = rig.otherOrg("Other Clinic");
    Answer otherTenant = Answer.of(() -> rig.provisioning(SagaHooks.NONE)
        .handleRequest(Rig.provisionEvent(other, "inbound", "other-" + key), null));
    assertEquals(201, otherTenant.status(), "another tenant, same area code: " + otherTenant.body());
    followUp(injection, FollowUp.OTHER_TENANT, "pass");

    // nobody retries: the reconciler settles the attempt once its lease has lapsed
    rig.world.expireLeases();
    rig.reconcile();
    Invariants.assertSettled(rig.world);
    assertEquals(Rig.OPENING_BALANCE, rig.world.db.balance(org), "the charge came back with nobody acting");

    Answer sameKey = Answer.of(() -> rig.provisioning(SagaHooks.NONE)
        .handleRequest(Rig.provisionEvent(org, "inbound", key), null));
    assertTrue(sameKey.isError(502, "provider_error") || sameKey.status() == 201, sameKey.body());
    if (sameKey.status() == 502) {
      assertEquals(Boolean.TRUE, sameKey.json().object("error").optBoolean("refunded").orElse(false));
    }
    Answer newKey = Answer.of(() -> rig.provisioning(SagaHooks.NONE)
        .handleRequest(Rig.provisionEvent(org, "inbound", "new-" + key), null));
    assertEquals(201, newKey.status(), "the same tenant with a new key once it was settled: " + newKey.body());
    followUp(injection, FollowUp.NEW_KEY, "pass");
    Invariants.assertSettled(rig.world);
    assertEquals(Rig.OPENING_BALANCE - Rig.PRICE, rig.world.db.balance(org), "charged exactly for the live number");
  }

  /** DELETE /phone-numbers/{id} of the inbound number while an outbound one stays. */
  private void releaseUnder(Rig rig, Injection injection) {
    UUID org = rig.eventOrg();
    String inbound = rig.provisioned(org, "inbound");
    String outbound = rig.provisioned(org, "outbound");
    injection.arm(rig);
    Answer first = Answer.of(() -> rig.releasing(injection.hooks(rig)).handleRequest(Rig.releaseEvent(org, inbound), null));
    injection.disarm(rig);
    injection.assertFired(rig);
    // a connection lost in the first transaction is 503 service_unavailable: nothing was
    // committed, so the client's retry is safe. Once that transaction committed the number has
    // left the dropdown: the answer is 202 releasing
    boolean beforeFirstCommit = injection.step.name().equals("first transaction");
    first.assertOneOf(injection.kind == FaultKind.DB_KILLED && beforeFirstCommit ? Set.of(200, 202, 503)
        : Set.of(200, 202));

    // the client calls DELETE again until it hears 200 (or 404: already released)
    Answer last = first;
    for (int i = 0; i < 3 && !(last.status() == 200 || last.isError(404, "not_found")); i++) {
      rig.world.expireLeases();
      last = Answer.of(() -> rig.releasing(SagaHooks.NONE).handleRequest(Rig.releaseEvent(org, inbound), null));
    }
    assertTrue(last.status() == 200 || last.isError(404, "not_found"), last.body());

    rig.world.expireLeases();
    rig.reconcile();
    Invariants.assertSettled(rig.world);
    assertEquals("released", status(rig, inbound));
    assertEquals("active", status(rig, outbound), "the other number is untouched");
    APIGatewayV2HTTPResponse listed = rig.listing().handleRequest(Rig.event("events/list-numbers.json", org), null);
    List<Object> numbers = Json.parseObject(listed.getBody()).list("numbers");
    assertEquals(1, numbers.size(), listed.getBody());
    assertEquals(outbound, ((Map<?, ?>) numbers.get(0)).get("managedNumberId"));
    assertEquals(Rig.OPENING_BALANCE - 2 * Rig.PRICE, rig.world.db.balance(org), "a release refunds nothing");
  }

  /**
   * A paid top-up delivered by Stripe, redelivered until acknowledged; or, on the dispute rows,
   * a dispute of such a top-up (once credited) withdrawing its funds or reinstating them.
   */
  private void applyWebhookUnder(Rig rig, Injection injection) {
    UUID org = rig.eventOrg();
    StripeEvents.TopUp topUp = StripeEvents.topUp(org, 2500);
    String dispute = StripeEvents.id("dp");
    String eventId = StripeEvents.id("evt");
    String body;
    long expected;
    switch (injection.step.name()) {
      case "dispute withdrawal" -> {
        deliverFaultFree(rig, rig.stripeEvents.checkoutSessionCompleted(StripeEvents.id("evt"), topUp));
        body = rig.stripeEvents.disputeFundsWithdrawn(eventId, topUp, dispute, 2500);
        expected = Rig.OPENING_BALANCE;
      }
      case "dispute reinstatement" -> {
        deliverFaultFree(rig, rig.stripeEvents.checkoutSessionCompleted(StripeEvents.id("evt"), topUp));
        deliverFaultFree(rig, rig.stripeEvents.disputeFundsWithdrawn(StripeEvents.id("evt"), topUp, dispute, 2500));
        body = rig.stripeEvents.disputeFundsReinstated(eventId, topUp, dispute, 2500);
        expected = Rig.OPENING_BALANCE + 2500;
      }
      default -> {
        body = rig.stripeEvents.checkoutSessionCompleted(eventId, topUp);
        expected = Rig.OPENING_BALANCE + 2500;
      }
    }
    injection.arm(rig);
    Answer first = Answer.of(() -> rig.webhook().handleRequest(Rig.stripeDelivery(body), null));
    injection.disarm(rig);
    injection.assertFired(rig);
    // not acknowledged either way (500, or 503 when the retry's connection is lost too): Stripe redelivers
    first.assertOneOf(injection.kind == FaultKind.DB_KILLED ? Set.of(500, 503) : Set.of(200));

    Answer last = first;
    for (int i = 0; i < 3 && last.status() != 200; i++) {
      last = Answer.of(() -> rig.webhook().handleRequest(Rig.stripeDelivery(body), null));
    }
    assertEquals(200, last.status(), last.body());

    rig.world.expireLeases();
    rig.reconcile();
    Invariants.assertSettled(rig.world);
    assertEquals(expected, rig.world.db.balance(org), "applied exactly once");
    assertEquals(1, rig.world.db.count("SELECT count(*) FROM credit_transactions WHERE stripe_event_id = ?", eventId));
    assertEquals("processed",
        rig.world.db.row("SELECT status FROM stripe_webhook_events WHERE event_id = ?", eventId).get("status"));
  }

  private static void deliverFaultFree(Rig rig, String body) {
    assertEquals(200, rig.webhook().handleRequest(Rig.stripeDelivery(body), null).getStatusCode());
  }

  /**
   * Custom::StripeWebhookEndpoint Create over an endpoint made by hand for the same URL;
   * CloudFormation's next deployment runs Create again.
   */
  private void registerUnder(Rig rig, Injection injection) {
    CustomResources cfn = rig.resources();
    rig.stripe.plantEndpoint(CustomResources.WEBHOOK_URL, List.of("*"));
    injection.arm(rig);
    List<String> answers = new ArrayList<>();
    deploy(cfn, cfn.event(CREATE, null), answers);
    injection.disarm(rig);
    injection.assertFired(rig);

    Map<String, Object> retry = deploy(cfn, cfn.event(CREATE, null), answers);
    assertEquals("SUCCESS", retry.get("Status"), String.valueOf(retry));
    assertServedByOneEndpoint(rig, cfn, CustomResources.WEBHOOK_URL, (String) retry.get("PhysicalResourceId"), answers);
  }

  /** Update in place (the URL moves); CloudFormation retries the update. */
  private void updateRegistrationUnder(Rig rig, Injection injection) {
    CustomResources cfn = rig.resources();
    List<String> answers = new ArrayList<>();
    String id = (String) deploy(cfn, cfn.event(CREATE, null), answers).get("PhysicalResourceId");
    String url = (String) cfn.event(UPDATE, id).getResourceProperties().get("Url");
    injection.arm(rig);
    deploy(cfn, cfn.event(UPDATE, id), answers);
    injection.disarm(rig);
    injection.assertFired(rig);

    Map<String, Object> retry = deploy(cfn, cfn.event(UPDATE, id), answers);
    assertEquals("SUCCESS", retry.get("Status"), String.valueOf(retry));
    assertServedByOneEndpoint(rig, cfn, url, (String) retry.get("PhysicalResourceId"), answers);
    assertEquals(List.of(), endpointsFor(rig, CustomResources.WEBHOOK_URL), "nothing left at the old URL");
  }

  /** Delete (stack removal); CloudFormation retries the delete. */
  private void deleteRegistrationUnder(Rig rig, Injection injection) {
    CustomResources cfn = rig.resources();
    List<String> answers = new ArrayList<>();
    String id = (String) deploy(cfn, cfn.event(CREATE, null), answers).get("PhysicalResourceId");
    injection.arm(rig);
    deploy(cfn, cfn.event(DELETE, id), answers);
    injection.disarm(rig);
    injection.assertFired(rig);

    Map<String, Object> retry = deploy(cfn, cfn.event(DELETE, id), answers);
    assertEquals("SUCCESS", retry.get("Status"), String.valueOf(retry));
    assertEquals(List.of(), endpointsFor(rig, CustomResources.WEBHOOK_URL));
    assertTrue(answers.stream().noneMatch(a -> a.contains("whsec_")), "a signing secret reached CloudFormation");
  }

  /** One invocation; its answer (SUCCESS, or FAILED with a reason), or an empty map when it died unanswered. */
  private static Map<String, Object> deploy(CustomResources cfn, CloudFormationCustomResourceEvent event,
                                            List<String> answers) {
    Map<String, Object> answer;
    try {
      answer = cfn.run(cfn.endpointHandler(event), event);
    } catch (Crash dead) {
      answer = null;
    }
    answers.addAll(cfn.cloudFormation.rawAnswers());
    if (answer == null) {
      return Map.of();
    }
    assertTrue(Set.of("SUCCESS", "FAILED").contains(answer.get("Status")), String.valueOf(answer));
    if ("FAILED".equals(answer.get("Status"))) {
      assertTrue(String.valueOf(answer.get("Reason")).length() > 0, "a FAILED answer says why");
    }
    return answer;
  }

  /** Exactly one endpoint serves the URL, it is the resource's, and its signing secret is the stored one. */
  private static void assertServedByOneEndpoint(Rig rig, CustomResources cfn, String url, String physicalId,
                                                List<String> answers) {
    assertEquals(List.of(physicalId), endpointsFor(rig, url));
    assertEquals(rig.stripe.secretOf(physicalId),
        cfn.secretsManager.value(cfn.secretArn).map(v -> WebhookSecrets.parse(v).current()),
        "the stored secret verifies the serving endpoint's events");
    assertTrue(answers.stream().noneMatch(a -> a.contains("whsec_")), "a signing secret reached CloudFormation");
  }

  private static List<String> endpointsFor(Rig rig, String url) {
    return rig.stripe.endpoints().stream().filter(e -> e.url().equals(url)).map(FakeStripeEndpoint::id).toList();
  }

  private static String status(Rig rig, String numberId) {
    return (String) rig.world.db.row("SELECT status FROM managed_phone_numbers WHERE id = ?::uuid", numberId)
        .get("status");
  }

  // ------------------------------------------------------------------ injection

  /** One cell's fault: armed before the call, healed before the retries, proven to have fired. */
  static final class Injection {
    final Step step;
    final FaultKind kind;
    private final AtomicBoolean hookCrashed = new AtomicBoolean();
    private DyingOutput dying;

    Injection(Step step, FaultKind kind) {
      this.step = step;
      this.kind = kind;
    }

    void arm(Rig rig) {
      switch (kind) {
        case PROVIDER_5XX -> fail(rig, Fault.status(500));
        case PROVIDER_4XX -> fail(rig, Fault.status(400, "20001", "Rejected by the reliability suite"));
        case TIMEOUT -> fail(rig, Fault.delay(PAST_TIMEOUT));
        case DROPPED -> fail(rig, Fault.drop());
        // once only: a retry by the client itself must meet a provider that already did the work
        case LATE_SUCCESS -> step.server().apply(rig).failNext(step.route(), Fault.lateSuccess(PAST_TIMEOUT));
        case DB_KILLED -> ConnectionKiller.arm(rig.world.db, step.killTiming(), step.killWhen());
        case DB_DOWN -> rig.databaseProxy(); // before the handler is built: it connects through the proxy
        case DIES -> {
          if (step.dieAfterLog() != null) {
            dying = DyingOutput.install(step.dieAfterLog());
          }
        }
      }
    }

    private void fail(Rig rig, Fault fault) {
      step.server().apply(rig).failNext(step.route(), fault, FAULTY_CALLS);
    }

    /** The saga's hooks: where the function dies, or where every pooled connection is killed. */
    SagaHooks hooks(Rig rig) {
      return name -> {
        if (kind == FaultKind.DB_KILLED) {
          rig.world.db.killOtherConnections();
        }
        if (kind == FaultKind.DB_DOWN && name.equals(step.dieAfterHook())) {
          rig.databaseProxy().goDown();
        }
        if (kind == FaultKind.DIES && name.equals(step.dieAfterHook()) && hookCrashed.compareAndSet(false, true)) {
          throw new Crash("after the step " + name);
        }
      };
    }

    void disarm(Rig rig) {
      if (dying != null) {
        dying.close();
      }
      if (kind == FaultKind.DB_DOWN) {
        rig.databaseProxy().comeBack();
      }
      rig.world.twilio.heal();
      rig.world.vapi.heal();
      rig.stripe.heal();
      if (step.route() != null) {
        step.server().apply(rig).heal(); // Secrets Manager too, where that was the faulty server
      }
    }

    /** A cell whose fault never happened proves nothing. */
    void assertFired(Rig rig) {
      switch (kind) {
        case DB_KILLED -> assertTrue(ConnectionKiller.fired(rig.world.db), "the connection was never killed");
        case DB_DOWN -> assertTrue(rig.databaseProxy().wentDown(), "the database never went down");
        case DIES -> assertTrue(hookCrashed.get() || (dying != null && dying.fired()), "the function never died");
        // the provider finishes PAST_TIMEOUT after the call arrived: it lands before anyone retries
        case LATE_SUCCESS -> Await.until("the late call landed", () -> step.server().apply(rig).successCount(step.route()) > 0);
        default -> Await.until("the faulty call was made", () -> step.server().apply(rig).count(step.route()) > 0);
      }
    }
  }

  /** What a caller got: a response, or nothing because the function died. */
  record Answer(APIGatewayV2HTTPResponse response) {
    static Answer of(Supplier<APIGatewayV2HTTPResponse> call) {
      try {
        return new Answer(call.get());
      } catch (Crash dead) {
        return new Answer(null);
      }
    }

    boolean crashed() {
      return response == null;
    }

    int status() {
      return response == null ? 0 : response.getStatusCode();
    }

    String body() {
      return response == null ? "(no answer: the function died)" : response.getBody();
    }

    JsonObject json() {
      return Json.parseObject(response.getBody());
    }

    boolean isError(int status, String code) {
      return status() == status && code.equals(json().object("error").string("code"));
    }

    /** Either no answer (died) or one of these statuses; every error in the one envelope. */
    void assertOneOf(Set<Integer> allowed) {
      if (crashed()) {
        return;
      }
      assertTrue(allowed.contains(status()), "unexpected answer " + status() + ": " + body());
      if (status() >= 400) {
        JsonObject error = json().object("error");
        assertNotNull(error.string("code"));
        assertNotNull(error.string("message"));
      }
    }
  }

  // ------------------------------------------------------------------ the matrix

  private Stream<DynamicTest> cells(List<Step> steps, Scenario scenario) {
    List<DynamicTest> tests = new ArrayList<>();
    for (Step step : steps) {
      Map<FaultKind, String> row = matrix.computeIfAbsent(step.label(), s -> new EnumMap<>(FaultKind.class));
      for (FaultKind kind : FaultKind.values()) {
        if (!step.applies(kind)) {
          row.put(kind, "n/a");
          continue;
        }
        row.put(kind, "FAIL");
        tests.add(dynamicTest(step.label() + " × " + kind.label, () -> {
          try (Rig rig = new Rig()) {
            scenario.run(rig, new Injection(step, kind));
            row.put(kind, "pass");
          }
        }));
      }
    }
    return tests.stream();
  }

  @FunctionalInterface
  interface Scenario {
    void run(Rig rig, Injection injection);
  }

  @AfterAll
  void printMatrix() {
    StringBuilder out = new StringBuilder("\nFault matrix (rows: step, columns: fault; after retries and one reconcile run)\n");
    int width = matrix.keySet().stream().mapToInt(String::length).max().orElse(10) + 2;
    out.append(String.format("%-" + width + "s", "step"));
    for (FaultKind kind : FaultKind.values()) {
      out.append(String.format("%-11s", kind.label));
    }
    for (FollowUp column : FollowUp.values()) {
      out.append(String.format("%-13s", column.label));
    }
    out.append('\n');
    int cells = 0;
    int passed = 0;
    for (Map.Entry<String, Map<FaultKind, String>> row : matrix.entrySet()) {
      out.append(String.format("%-" + width + "s", row.getKey()));
      for (FaultKind kind : FaultKind.values()) {
        String cell = row.getValue().getOrDefault(kind, "n/a");
        cells += cell.equals("n/a") ? 0 : 1;
        passed += cell.equals("pass") ? 1 : 0;
        out.append(String.format("%-11s", cell));
      }
      for (FollowUp column : FollowUp.values()) {
        out.append(String.format("%-13s", followUpCell(row.getKey(), column, row.getValue())));
      }
      out.append('\n');
    }
    out.append("other org: another tenant provisions in the same area code during the clean-up window;\n"
        + "new key: the same tenant retries with a new key after a refunded 502 (cells that answered 201 do not count)\n");
    out.append(String.format("%d steps × %d faults: %d cells run, %d passed%n", matrix.size(),
        FaultKind.values().length, cells, passed));
    System.out.println(out);
  }
}
