package dev.switchboard.function.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.config.Settings;
import dev.switchboard.crypto.SecretCipher;
import dev.switchboard.db.Database;
import dev.switchboard.db.DatabaseUrl;
import dev.switchboard.domain.Country;
import dev.switchboard.domain.Direction;
import dev.switchboard.domain.NumberType;
import dev.switchboard.domain.OrgId;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonObject;
import dev.switchboard.numbers.DropdownNumber;
import dev.switchboard.numbers.ListNumbers;
import dev.switchboard.numbers.NumberSettings;
import dev.switchboard.numbers.ProvisionNumber;
import dev.switchboard.numbers.ProvisionRequest;
import dev.switchboard.numbers.ReconcileNumbers;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.providers.twilio.TwilioTelephony;
import dev.switchboard.providers.vapi.VapiVoicePlatform;
import dev.switchboard.testing.Events;
import dev.switchboard.testing.SimulatedCrash;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.fake.FakeTwilio;
import dev.switchboard.testing.fake.FakeVapi;
import dev.switchboard.testing.fake.Fault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** DELETE /phone-numbers/{id}: the six steps, each failure, crashes, and what other orgs may see. */
class ReleaseNumberHandlerTest {
  static final UUID ORG = Events.ORG;

  @RegisterExtension final TestWorld world = TestWorld.providers();
  private Settings settings;
  private Database database;
  private ReleaseNumberHandler handler;
  private UUID outboundAgent;
  private UUID inbound;
  private UUID outbound;

  @BeforeEach
  void setUp() {
    settings = Settings.of(world.settings());
    database = new Database(DatabaseUrl.parse(world.db().jdbcUrl()));
    world.db().org().id(ORG).named("Acme Dental").balance(5000).create();
    outboundAgent = world.db().agent(ORG, "outbound");
    inbound = provision(ORG, Direction.INBOUND);
    outbound = provision(ORG, Direction.OUTBOUND);
    world.twilio().clearJournal();
    world.vapi().clearJournal();
    handler = handler(SagaHooks.NONE);
  }

  @AfterEach
  void tearDown() {
    database.closeIdleConnections();
  }

  private ReleaseNumberHandler handler(SagaHooks hooks) {
    return new ReleaseNumberHandler(settings, hooks);
  }

  private UUID provision(UUID org, Direction direction) {
    var provision = new ProvisionNumber(database, TwilioTelephony.from(settings), VapiVoicePlatform.from(settings),
        SecretCipher.fromHexKey(TestWorld.ENCRYPTION_KEY), NumberSettings.from(settings), SagaHooks.NONE);
    var answer = provision.provision(new OrgId(org),
        new ProvisionRequest(Country.US, NumberType.LOCAL, Optional.empty(), direction, Optional.empty()), Optional.empty());
    assertEquals(201, answer.status(), answer.body());
    return UUID.fromString(Json.parseObject(answer.body()).string("id"));
  }

  private static APIGatewayV2HTTPEvent deleteEvent(String id) {
    APIGatewayV2HTTPEvent e = EventLoader.loadApiGatewayHttpEvent("events/release-number.json");
    e.setPathParameters(new java.util.HashMap<>(Map.of("id", id)));
    e.setRawPath("/phone-numbers/" + id);
    return e;
  }

  private APIGatewayV2HTTPResponse delete(UUID id) {
    return handler.handleRequest(deleteEvent(id.toString()), null);
  }

  private static JsonObject json(APIGatewayV2HTTPResponse r) {
    return Json.parseObject(r.getBody());
  }

  private List<DropdownNumber> dropdown() {
    return new ListNumbers(database).list(new OrgId(ORG));
  }

  private String status(UUID id) {
    return (String) world.db().row("SELECT status FROM managed_phone_numbers WHERE id = ?", id).get("status");
  }

  private String phone(UUID id) {
    return (String) world.db().row("SELECT phone_number FROM managed_phone_numbers WHERE id = ?", id).get("phone_number");
  }

  private void assertGoneFromTheDropdownOnly(UUID released) {
    assertEquals(0, world.db().count("SELECT count(*) FROM org_credentials WHERE managed_number_id = ?", released));
    assertEquals(0, world.db().count("SELECT count(*) FROM phone_number_mapping WHERE managed_number_id = ?", released));
    assertEquals(0, world.db().count("SELECT count(*) FROM agents WHERE linked_phone_number_id = ?", released));
    assertEquals(List.of(outbound.toString()), dropdown().stream().map(DropdownNumber::managedNumberId).toList(),
        "the other number stays listed");
    world.assertInvariant9();
  }

  private void assertReleasedEverywhere(UUID id) {
    assertEquals("released", status(id));
    assertTrue(world.db().count("SELECT count(*) FROM managed_phone_numbers WHERE id = ? AND released_at IS NOT NULL", id) == 1);
    assertTrue(world.vapi().number(phone(id)).isEmpty(), "still imported at Vapi");
    assertTrue(world.twilio().heldNumber(phone(id)).isEmpty(), "still held at Twilio");
  }

  // --------------------------------------------------------------- the six steps

  @Test
  void release_inbound_completesAllSixSteps_andLeavesTheOutboundNumberListed() {
    APIGatewayV2HTTPResponse r = delete(inbound);

    assertEquals(200, r.getStatusCode(), r.getBody());
    assertEquals("released", json(r).string("status"));
    assertEquals(inbound.toString(), json(r).string("id"));
    assertEquals(phone(inbound), json(r).string("phoneNumber"));
    assertReleasedEverywhere(inbound);
    assertGoneFromTheDropdownOnly(inbound);
    assertEquals(1, world.vapi().successCount(FakeVapi.DELETE));
    assertEquals(1, world.twilio().successCount(FakeTwilio.RELEASE));
  }

  @Test
  void release_outbound_fallsBackToTheActiveInboundNumberAsTheOutboundAgentsCallerId() {
    assertEquals(200, delete(outbound).getStatusCode());
    var agent = world.db().row("SELECT vapi_phone_number_id, linked_phone_number_id FROM agents WHERE id = ?", outboundAgent);
    var inboundRow = world.db().row("SELECT vapi_phone_id FROM managed_phone_numbers WHERE id = ?", inbound);
    assertEquals(inboundRow.get("vapi_phone_id"), agent.get("vapi_phone_number_id"), "DESIGN's fallback caller id");
    assertEquals(inbound, agent.get("linked_phone_number_id"));
    world.assertInvariant9();
  }

  @Test
  void release_outbound_withNoActiveInboundNumber_unlinksTheOutboundAgent() {
    assertEquals(200, delete(inbound).getStatusCode());
    assertEquals(200, delete(outbound).getStatusCode());
    var agent = world.db().row("SELECT vapi_phone_number_id, linked_phone_number_id FROM agents WHERE id = ?", outboundAgent);
    assertNull(agent.get("vapi_phone_number_id"));
    assertNull(agent.get("linked_phone_number_id"));
    world.assertInvariant9();
  }

  @Test
  void release_aReleasedNumberCanBeBoughtAgainInThatDirection() {
    assertEquals(200, delete(inbound).getStatusCode());
    provision(ORG, Direction.INBOUND);
    assertEquals(2, dropdown().size());
  }

  // ------------------------------------------------------------ provider failures

  @Test
  void release_whenVapiFails_staysReleasing_leavesTheDropdown_andTheNextDeleteResumes() {
    world.vapi().failNext(FakeVapi.DELETE, Fault.status(500));

    APIGatewayV2HTTPResponse pending = delete(inbound);
    assertEquals(202, pending.getStatusCode(), pending.getBody());
    assertEquals("releasing", json(pending).string("status"));
    assertEquals(List.of("vapi_release", "twilio_release"), json(pending).list("pendingSteps"));
    assertEquals("releasing", status(inbound));
    assertGoneFromTheDropdownOnly(inbound);

    world.expireLeases();
    assertEquals(200, delete(inbound).getStatusCode());
    assertReleasedEverywhere(inbound);
  }

  @Test
  void release_whenVapiTimesOut_resumesOnRetry() {
    world.vapi().failNext(FakeVapi.DELETE, Fault.delay(Duration.ofMillis(TestWorld.READ_TIMEOUT_MILLIS * 2)));
    assertEquals(202, delete(inbound).getStatusCode());
    world.expireLeases();
    assertEquals(200, delete(inbound).getStatusCode());
    assertReleasedEverywhere(inbound);
  }

  @Test
  void release_whenTwilioFails_staysReleasing_andTheRetryDoesNotCallVapiAgain() {
    world.twilio().failNext(FakeTwilio.RELEASE, Fault.status(503));

    APIGatewayV2HTTPResponse pending = delete(inbound);
    assertEquals(202, pending.getStatusCode(), pending.getBody());
    assertEquals(List.of("twilio_release"), json(pending).list("pendingSteps"));

    world.expireLeases();
    assertEquals(200, delete(inbound).getStatusCode());
    assertReleasedEverywhere(inbound);
    assertEquals(1, world.vapi().count(FakeVapi.DELETE), "Vapi is not called again after it succeeded");
  }

  @Test
  void release_whenTwilioTimesOutOrDrops_resumesOnRetry() {
    world.twilio().failNext(FakeTwilio.RELEASE, Fault.delay(Duration.ofMillis(TestWorld.READ_TIMEOUT_MILLIS * 2)));
    assertEquals(202, delete(inbound).getStatusCode());
    world.twilio().failNext(FakeTwilio.RELEASE, Fault.drop());
    world.expireLeases();
    assertEquals(202, delete(inbound).getStatusCode());
    world.expireLeases();
    assertEquals(200, delete(inbound).getStatusCode());
    assertReleasedEverywhere(inbound);
  }

  @Test
  void release_whenAProviderSaysItIsAlreadyGone_countsAsDone() {
    // someone released it by hand in both consoles
    world.twilio().removeNumber(phone(inbound));
    VapiVoicePlatform.from(settings).delete(world.vapi().number(phone(inbound)).orElseThrow().id());
    assertEquals(200, delete(inbound).getStatusCode());
    assertReleasedEverywhere(inbound);
  }

  // ----------------------------------------------------------- database failures

  private void failOn(String table, String when) {
    world.db().update("""
        CREATE OR REPLACE FUNCTION injected_failure() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'injected failure'; END; $$""");
    world.db().update("CREATE TRIGGER injected_failure " + when + " ON " + table
        + " FOR EACH ROW EXECUTE FUNCTION injected_failure()");
  }

  private void healDatabase(String table) {
    world.db().update("DROP TRIGGER injected_failure ON " + table);
  }

  @Test
  void release_whenTheFirstTransactionFails_changesNothing_andAnswers500() {
    failOn("phone_number_mapping", "BEFORE DELETE");

    APIGatewayV2HTTPResponse r = delete(inbound);
    assertEquals(500, r.getStatusCode(), r.getBody());
    assertEquals("internal_error", json(r).object("error").string("code"));
    assertTrue(!r.getBody().contains("injected"), "no internals in the answer");
    assertEquals("active", status(inbound));
    assertEquals(2, dropdown().size());
    assertEquals(0, world.vapi().count(FakeVapi.DELETE));

    healDatabase("phone_number_mapping");
    assertEquals(200, delete(inbound).getStatusCode());
    assertReleasedEverywhere(inbound);
  }

  @Test
  void release_whenTheLastTransactionFails_aRetryFinishesWithoutCallingProvidersAgain() {
    world.db().update("""
        CREATE FUNCTION fail_released() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.status = 'released' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END; $$""");
    world.db().update("CREATE TRIGGER fail_released BEFORE UPDATE ON managed_phone_numbers FOR EACH ROW EXECUTE FUNCTION fail_released()");

    assertEquals(500, delete(inbound).getStatusCode());
    assertEquals("releasing", status(inbound));
    assertGoneFromTheDropdownOnly(inbound);

    world.db().update("DROP TRIGGER fail_released ON managed_phone_numbers");
    world.expireLeases();
    assertEquals(200, delete(inbound).getStatusCode());
    assertReleasedEverywhere(inbound);
    assertEquals(1, world.vapi().count(FakeVapi.DELETE));
    assertEquals(1, world.twilio().count(FakeTwilio.RELEASE));
  }

  @Test
  void release_whenTheFunctionDiesBetweenSteps_theReconcilerFinishesIt_callingEachProviderOnce() {
    handler = handler(step -> {
      if (step.equals("vapi_released")) {
        throw new SimulatedCrash(step);
      }
    });
    assertThrows(SimulatedCrash.class, () -> delete(inbound));
    assertEquals("releasing", status(inbound));
    assertGoneFromTheDropdownOnly(inbound);

    world.expireLeases();
    var reconcile = new ReconcileNumbers(database, TwilioTelephony.from(settings), VapiVoicePlatform.from(settings),
        NumberSettings.from(settings), SagaHooks.NONE);
    Map<String, Object> summary = reconcile.run(false, () -> true);

    assertEquals(1, ((Number) summary.get("finishedReleases")).intValue(), summary.toString());
    assertReleasedEverywhere(inbound);
    assertEquals(1, world.vapi().count(FakeVapi.DELETE));
    assertEquals(1, world.twilio().count(FakeTwilio.RELEASE));
  }

  @Test
  void snapStartHooks_primeWithoutCallingProviders_andTheFunctionWorksAfterRestore() {
    handler.snapStart().beforeCheckpoint(null);
    handler.snapStart().afterRestore(null);
    assertEquals(0, world.vapi().count(FakeVapi.DELETE));
    assertEquals(200, delete(inbound).getStatusCode());
  }

  // ------------------------------------------------------------- not found, races

  @Test
  void release_unknownForeignReleasedOrMalformedIds_are404_andChangeNothing() {
    UUID other = world.db().organization("Other Org", 5000);
    UUID foreign = provision(other, Direction.INBOUND);
    assertEquals(200, delete(outbound).getStatusCode());

    for (String id : List.of(UUID.randomUUID().toString(), foreign.toString(), outbound.toString(), "not-a-uuid",
        "'; DROP TABLE managed_phone_numbers; --")) {
      APIGatewayV2HTTPResponse r = handler.handleRequest(deleteEvent(id), null);
      assertEquals(404, r.getStatusCode(), id + ": " + r.getBody());
      assertEquals("not_found", json(r).object("error").string("code"));
    }
    assertEquals("active", status(foreign));
    assertEquals("active", status(inbound));
  }

  @Test
  void release_twoConcurrentDeletes_oneDoesTheWork_neitherFails_noStepRunsTwice() throws Exception {
    CountDownLatch inVapi = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    ReleaseNumberHandler slow = handler(step -> {
      if (step.equals("vapi_released")) {
        inVapi.countDown();
        try {
          proceed.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<APIGatewayV2HTTPResponse> first = pool.submit(() -> slow.handleRequest(deleteEvent(inbound.toString()), null));
      assertTrue(inVapi.await(10, TimeUnit.SECONDS));
      APIGatewayV2HTTPResponse second = delete(inbound);
      assertEquals(202, second.getStatusCode(), second.getBody());
      proceed.countDown();
      assertEquals(200, first.get(10, TimeUnit.SECONDS).getStatusCode());
    } finally {
      pool.shutdownNow();
    }
    assertReleasedEverywhere(inbound);
    assertEquals(1, world.vapi().count(FakeVapi.DELETE));
    assertEquals(1, world.twilio().count(FakeTwilio.RELEASE));
  }
}
