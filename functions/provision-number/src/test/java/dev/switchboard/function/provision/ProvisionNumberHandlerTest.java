package dev.switchboard.function.provision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.config.Settings;
import dev.switchboard.db.Database;
import dev.switchboard.db.DatabaseUrl;
import dev.switchboard.domain.OrgId;
import dev.switchboard.json.Json;
import dev.switchboard.json.JsonObject;
import dev.switchboard.numbers.ListNumbers;
import dev.switchboard.numbers.NumberSettings;
import dev.switchboard.numbers.ReconcileNumbers;
import dev.switchboard.numbers.SagaHooks;
import dev.switchboard.providers.twilio.TwilioTelephony;
import dev.switchboard.providers.vapi.VapiVoicePlatform;
import dev.switchboard.testing.Await;
import dev.switchboard.testing.CommitDroppingProxy;
import dev.switchboard.testing.EmbeddedDatabase;
import dev.switchboard.testing.Events;
import dev.switchboard.testing.SimulatedCrash;
import dev.switchboard.testing.TestWorld;
import dev.switchboard.testing.fake.FakeTwilio;
import dev.switchboard.testing.fake.FakeVapi;
import dev.switchboard.testing.fake.Fault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** POST /phone-numbers and GET /phone-numbers/available, fed the events/ files. */
class ProvisionNumberHandlerTest {
  static final UUID ORG = Events.ORG;
  static final long BALANCE = 5000;

  @RegisterExtension final TestWorld world = TestWorld.providers();
  private ProvisionNumberHandler handler;
  private UUID outboundAgent;

  @BeforeEach
  void setUp() {
    world.db().org().id(ORG).named("Acme Dental").balance(BALANCE).agentWithAssistant("inbound", "asst_inbound_1").create();
    outboundAgent = world.db().agent(ORG, "outbound");
    handler = handler(SagaHooks.NONE);
  }

  private ProvisionNumberHandler handler(SagaHooks hooks) {
    return new ProvisionNumberHandler(Settings.of(world.settings()), hooks);
  }

  // ------------------------------------------------------------------ helpers

  static APIGatewayV2HTTPEvent provisionEvent(String body, String idempotencyKey) {
    APIGatewayV2HTTPEvent e = EventLoader.loadApiGatewayHttpEvent("events/provision-number.json");
    e.setBody(body);
    if (idempotencyKey == null) {
      e.getHeaders().remove("idempotency-key");
    } else {
      e.getHeaders().put("idempotency-key", idempotencyKey);
    }
    return e;
  }

  static String body(String direction) {
    return "{\"country\":\"US\",\"numberType\":\"local\",\"areaCode\":\"415\",\"direction\":\"" + direction + "\"}";
  }

  private APIGatewayV2HTTPResponse post(String body) {
    return handler.handleRequest(provisionEvent(body, null), null);
  }

  private static JsonObject json(APIGatewayV2HTTPResponse r) {
    return Json.parseObject(r.getBody());
  }

  private static JsonObject error(APIGatewayV2HTTPResponse r, int status, String code) {
    assertEquals(status, r.getStatusCode(), r.getBody());
    JsonObject error = json(r).object("error");
    assertEquals(code, error.string("code"), r.getBody());
    assertNotNull(error.string("message"));
    return error;
  }

  private List<Object> dropdown() {
    Database db = new Database(DatabaseUrl.parse(world.db().jdbcUrl()));
    try {
      return List.copyOf(new ListNumbers(db).list(new OrgId(ORG)));
    } finally {
      db.closeIdleConnections();
    }
  }

  /** Money and numbers are where they were: nothing charged, nothing held, nothing listed. */
  private void assertNothingChanged() {
    assertEquals(BALANCE, world.db().balance(ORG));
    assertEquals(world.db().ledgerSum(ORG), world.db().balance(ORG));
    assertEquals(0, world.twilio().successCount(FakeTwilio.BUY));
    assertEquals(0, world.vapi().successCount(FakeVapi.CREATE));
    assertEquals(0, world.db().count("SELECT count(*) FROM org_credentials"));
    world.assertInvariant9();
  }

  /** After a failed provisioning: refunded, nothing held at the providers, the record 'failed'. */
  private void assertUndone() {
    assertEquals(BALANCE, world.db().balance(ORG));
    assertEquals(world.db().ledgerSum(ORG), world.db().balance(ORG));
    assertEquals(List.of(), world.twilio().heldNumbers(), "numbers still held at Twilio");
    assertEquals(List.of(), world.vapi().numbers(), "numbers still imported at Vapi");
    assertEquals(0, world.db().count("SELECT count(*) FROM org_credentials"));
    assertEquals(0, world.db().count("SELECT count(*) FROM managed_phone_numbers WHERE status <> 'failed'"));
    world.assertInvariant9();
  }

  // --------------------------------------------------------------- happy paths

  @Test
  void provision_inbound_buysInTheOrgsSubaccount_importsIntoVapi_andListsIt() {
    APIGatewayV2HTTPResponse r = handler.handleRequest(EventLoader.loadApiGatewayHttpEvent("events/provision-number.json"), null);

    assertEquals(201, r.getStatusCode(), r.getBody());
    JsonObject body = json(r);
    assertEquals("inbound", body.string("direction"));
    assertEquals("active", body.string("status"));
    assertEquals("US", body.string("countryCode"));
    assertEquals("local", body.string("numberType"));
    String phone = body.string("phoneNumber");
    assertTrue(phone.startsWith("+1415"), phone);

    // Twilio: a subaccount for the org, named after it, holding the number
    var account = world.db().row("SELECT account_sid, auth_token_encrypted, friendly_name FROM twilio_subaccounts WHERE org_id = ?", ORG);
    assertTrue(account.get("friendly_name").toString().startsWith("Acme Dental"));
    assertEquals(List.of(phone), world.twilio().numbersHeldBy(account.get("account_sid").toString()).stream()
        .map(FakeTwilio.HeldNumber::phoneNumber).toList());
    // the token is stored encrypted, and Vapi received the real one
    String token = world.twilio().account(account.get("account_sid").toString()).orElseThrow().authToken();
    assertFalse(account.get("auth_token_encrypted").toString().contains(token));
    assertEquals(token, world.vapi().twilioAuthTokenSentFor(phone).orElseThrow());
    // Vapi: imported, answered by the inbound agent's assistant
    var imported = world.vapi().number(phone).orElseThrow();
    assertEquals(body.string("vapiPhoneId"), imported.id());
    assertEquals("asst_inbound_1", imported.assistantId());

    // the record, the dropdown, the mapping, the agents and the money
    assertEquals(1, world.db().count("SELECT count(*) FROM phone_number_mapping WHERE phone_number = ?", phone));
    assertEquals(body.string("vapiPhoneId"),
        world.db().row("SELECT vapi_phone_number_id FROM agents WHERE id = ?", outboundAgent).get("vapi_phone_number_id"));
    assertEquals(1, dropdown().size());
    assertEquals(BALANCE - 1000, world.db().balance(ORG));
    assertEquals(world.db().ledgerSum(ORG), world.db().balance(ORG));
    assertEquals("managed", world.db().row("SELECT telephony_mode FROM organizations WHERE id = ?", ORG).get("telephony_mode"));
    world.assertInvariant9();
  }

  @Test
  void provision_outboundBesideInbound_bothAppearInTheDropdown_andOutboundBecomesTheCallerId() {
    assertEquals(201, post(body("inbound")).getStatusCode());
    APIGatewayV2HTTPResponse outbound = post(body("outbound"));

    assertEquals(201, outbound.getStatusCode(), outbound.getBody());
    assertEquals(2, dropdown().size());
    assertEquals(json(outbound).string("vapiPhoneId"),
        world.db().row("SELECT vapi_phone_number_id FROM agents WHERE id = ?", outboundAgent).get("vapi_phone_number_id"));
    assertEquals(1, world.db().count("SELECT count(*) FROM twilio_subaccounts"));
    assertEquals(BALANCE - 2000, world.db().balance(ORG));
    world.assertInvariant9();
  }

  @Test
  void provision_gb_needsAnAddress_createdOnceAndReused() {
    String withoutAddress = "{\"country\":\"GB\",\"direction\":\"inbound\"}";
    error(post(withoutAddress), 400, "address_required");
    assertNothingChanged();

    String withAddress = "{\"country\":\"GB\",\"direction\":\"inbound\",\"address\":{\"customerName\":\"Acme Dental Ltd\","
        + "\"street\":\"1 High Street\",\"city\":\"London\",\"region\":\"London\",\"postalCode\":\"EC1A 1AA\",\"isoCountry\":\"GB\"}}";
    APIGatewayV2HTTPResponse first = post(withAddress);
    assertEquals(201, first.getStatusCode(), first.getBody());
    assertTrue(json(first).string("phoneNumber").startsWith("+44"));

    // the second GB number reuses the stored address, even without one in the body
    APIGatewayV2HTTPResponse second = post("{\"country\":\"GB\",\"direction\":\"outbound\"}");
    assertEquals(201, second.getStatusCode(), second.getBody());
    assertEquals(1, world.twilio().successCount(FakeTwilio.CREATE_ADDRESS));
  }

  @Test
  void provision_tollFree() {
    APIGatewayV2HTTPResponse r = post("{\"country\":\"US\",\"numberType\":\"toll_free\",\"direction\":\"outbound\"}");
    assertEquals(201, r.getStatusCode(), r.getBody());
    assertEquals("toll_free", json(r).string("numberType"));
  }

  // ------------------------------------------------------------------ refusals

  @Test
  void provision_withoutFunds_is402_withRequiredAndBalance_andNothingIsBought() {
    UUID poor = world.db().organization("Poor Co", 999);
    APIGatewayV2HTTPEvent e = provisionEvent(body("inbound"), null);
    e.getRequestContext().getAuthorizer().getJwt().getClaims().put("org_id", poor.toString());

    JsonObject error = error(handler.handleRequest(e, null), 402, "insufficient_funds");
    assertEquals(1000, error.longValue("requiredPence"));
    assertEquals(999, error.longValue("balancePence"));
    assertEquals(999, world.db().balance(poor));
    assertEquals(0, world.twilio().count(FakeTwilio.BUY));
  }

  @Test
  void provision_secondNumberInOneDirection_is409() {
    assertEquals(201, post(body("inbound")).getStatusCode());
    error(post(body("inbound")), 409, "number_exists");
    assertEquals(1, world.twilio().successCount(FakeTwilio.BUY));
    assertEquals(BALANCE - 1000, world.db().balance(ORG));
  }

  @Test
  void provision_managedInboundBesideAnActiveByocInbound_is409() {
    world.db().byocCredential(ORG, "inbound", "+14155550111", "vapi-byoc-1");
    error(post(body("inbound")), 409, "number_exists");
    assertEquals(0, world.twilio().count(FakeTwilio.BUY));
    assertEquals(BALANCE, world.db().balance(ORG));
  }

  @Test
  void provision_badInput_is400NamingTheField_andNothingChanges() {
    Map<String, String> cases = new HashMap<>();
    cases.put("{\"country\":\"FR\"}", "country");
    cases.put("{\"country\":\"US\",\"numberType\":\"mobile\"}", "numberType");
    cases.put("{\"country\":\"US\",\"areaCode\":\"41\"}", "areaCode");
    cases.put("{\"country\":\"US\",\"areaCode\":415}", "areaCode");
    cases.put("{\"country\":\"GB\",\"areaCode\":\"207\"}", "areaCode");
    cases.put("{\"country\":\"US\",\"direction\":\"sideways\"}", "direction");
    cases.put("{\"country\":\"US\",\"colour\":\"blue\"}", "colour");
    cases.put("{\"numberType\":\"local\"}", "country");
    cases.put("{\"country\":\"GB\",\"address\":{\"customerName\":\"A\",\"street\":\"B\",\"city\":\"C\",\"region\":\"D\","
        + "\"postalCode\":\"E\",\"isoCountry\":\"US\"}}", "address.isoCountry");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      JsonObject error = error(post(c.getKey()), 400, "invalid_request");
      assertEquals(c.getValue(), error.string("field"), c.getKey());
    }
    for (String malformed : List.of("", "not json", "[1,2]", "{\"country\":\"US\",}", "{\"country\":\"US\",\"country\":\"GB\"}")) {
      error(post(malformed), 400, "invalid_request");
    }
    error(post("{\"country\":\"" + "x".repeat(70_000) + "\"}"), 413, "payload_too_large");
    assertNothingChanged();
    assertEquals(0, world.twilio().journal().size());
  }

  @Test
  void provision_withoutOrgClaim_is401_andForAnUnknownOrg_is404() {
    APIGatewayV2HTTPEvent noClaim = provisionEvent(body("inbound"), null);
    noClaim.getRequestContext().getAuthorizer().getJwt().getClaims().remove("org_id");
    error(handler.handleRequest(noClaim, null), 401, "unauthorized");

    APIGatewayV2HTTPEvent unknown = provisionEvent(body("inbound"), null);
    unknown.getRequestContext().getAuthorizer().getJwt().getClaims().put("org_id", UUID.randomUUID().toString());
    error(handler.handleRequest(unknown, null), 404, "org_not_found");
    assertNothingChanged();
  }

  // ------------------------------------------------------- failures, compensated

  private void assertProviderFailure(APIGatewayV2HTTPResponse r, String failedStep) {
    JsonObject error = error(r, 502, "provider_error");
    assertEquals(failedStep, error.string("failedStep"));
    assertEquals(Boolean.TRUE, error.optBoolean("refunded").orElse(false));
    assertUndone();
  }

  @Test
  void provision_whenSubaccountCreationFails_refundsAndHoldsNothing() {
    world.twilio().failAlways(FakeTwilio.CREATE_ACCOUNT, Fault.status(500));
    assertProviderFailure(post(body("inbound")), "subaccount");
  }

  @Test
  void provision_whenSubaccountCreationFails_afterAnEarlierOneLanded_adoptsItInsteadOfMakingASecond() {
    // an earlier creation timed out at our end but happened at Twilio: same friendly name
    FakeTwilio.Account earlier = world.twilio().plantSubaccount("Acme Dental (11111111)");
    world.twilio().failNext(FakeTwilio.CREATE_ACCOUNT, Fault.status(500));

    APIGatewayV2HTTPResponse r = post(body("inbound"));

    assertEquals(201, r.getStatusCode(), r.getBody());
    assertEquals(earlier.sid(), world.db().row("SELECT account_sid FROM twilio_subaccounts WHERE org_id = ?", ORG)
        .get("account_sid"));
    assertEquals(1, world.twilio().subaccounts().size(), "no second subaccount");
    assertEquals(List.of(json(r).string("phoneNumber")), world.twilio().numbersHeldBy(earlier.sid()).stream()
        .map(FakeTwilio.HeldNumber::phoneNumber).toList());
  }

  @Test
  void provision_whenSearchFindsNothing_is409NoNumbersAvailable_refunded() {
    world.twilio().clearInventory();
    JsonObject error = error(post(body("inbound")), 409, "no_numbers_available");
    assertEquals("search", error.string("failedStep"));
    assertUndone();
  }

  @Test
  void provision_whenSearchFails_refunds() {
    world.twilio().failAlways(FakeTwilio.SEARCH_LOCAL, Fault.status(503));
    assertProviderFailure(post(body("inbound")), "search");
  }

  @Test
  void provision_whenPurchaseIsRejected_refunds() {
    world.twilio().failAlways(FakeTwilio.BUY, Fault.status(400, "21404", "Trial accounts cannot buy numbers"));
    assertProviderFailure(post(body("inbound")), "purchase");
  }

  @Test
  void provision_whenPurchaseFails5xx_refundsAtOnce_andTheReconcilerSettlesIt() {
    // a 5xx is an unknown outcome too: the purchase may have gone through
    world.twilio().failNext(FakeTwilio.BUY, Fault.status(500));
    assertRefundedNowAndUndoneByTheReconciler(post(body("inbound")), "purchase");
  }

  /**
   * A call that got no answer may still land: the client is refunded at once, the record is
   * 'failed' with its clean-up pending, and the reconciler's later look finds and releases
   * whatever arrived.
   */
  private void assertRefundedNowAndUndoneByTheReconciler(APIGatewayV2HTTPResponse r, String failedStep) {
    JsonObject error = error(r, 502, "provider_error");
    assertEquals(failedStep, error.string("failedStep"));
    assertEquals(Boolean.TRUE, error.optBoolean("refunded").orElse(false));
    assertEquals(BALANCE, world.db().balance(ORG), "refunded at once");
    assertEquals("failed", world.db().row("SELECT status FROM managed_phone_numbers").get("status"),
        "failed at once: it holds nothing while the reconciler finishes the clean-up");
    world.assertInvariant9();

    world.expireLeases();
    Map<String, Object> summary = reconciler().run(false, () -> true);
    assertEquals(1, ((Number) summary.get("finishedProvisionings")).intValue(), summary.toString());
    assertUndone();
  }

  private static final Duration PAST_TIMEOUT = Duration.ofMillis(TestWorld.READ_TIMEOUT_MILLIS * 2);

  @Test
  void provision_whenPurchaseTimesOut_refundsAtOnce_andTheReconcilerSettlesIt() {
    world.twilio().failNext(FakeTwilio.BUY, Fault.delay(PAST_TIMEOUT));
    assertRefundedNowAndUndoneByTheReconciler(post(body("inbound")), "purchase");
  }

  @Test
  void provision_whenPurchaseTimesOutButLandsLater_theReconcilerFindsAndReleasesIt() {
    world.twilio().failNext(FakeTwilio.BUY, Fault.lateSuccess(PAST_TIMEOUT));
    APIGatewayV2HTTPResponse r = post(body("inbound"));
    Await.until("Twilio holds the number", () -> world.twilio().heldNumbers().size() == 1);
    assertRefundedNowAndUndoneByTheReconciler(r, "purchase");
    assertEquals(1, world.twilio().successCount(FakeTwilio.RELEASE), "the late purchase was released");
  }

  @Test
  void provision_whenTheConnectionDropsOnPurchase_refunds() {
    world.twilio().failNext(FakeTwilio.BUY, Fault.drop());
    assertRefundedNowAndUndoneByTheReconciler(post(body("inbound")), "purchase");
  }

  @Test
  void provision_whenVapiImportFails_refunds_andTheReconcilerReleasesTheTwilioNumber() {
    world.vapi().failNext(FakeVapi.CREATE, Fault.status(500));
    assertRefundedNowAndUndoneByTheReconciler(post(body("inbound")), "vapi_import");
    assertEquals(1, world.twilio().successCount(FakeTwilio.RELEASE));
  }

  @Test
  void provision_whenVapiImportTimesOutButLandsLater_deletesItAtVapiToo() {
    world.vapi().failNext(FakeVapi.CREATE, Fault.lateSuccess(PAST_TIMEOUT));
    APIGatewayV2HTTPResponse r = post(body("inbound"));
    Await.until("Vapi holds the number", () -> world.vapi().numbers().size() == 1);
    assertRefundedNowAndUndoneByTheReconciler(r, "vapi_import");
    assertEquals(1, world.vapi().successCount(FakeVapi.DELETE));
  }

  @Test
  void provision_whenTheFinalTransactionFails_undoesEverything() {
    // a real database failure inside the final commit
    world.db().update("""
        CREATE FUNCTION fail_credential() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'injected failure'; END; $$""");
    world.db().update("CREATE TRIGGER fail_credential BEFORE INSERT ON org_credentials FOR EACH ROW EXECUTE FUNCTION fail_credential()");
    assertProviderFailure(post(body("inbound")), "activate");
  }

  @Test
  void provision_whenProviderCleanupAlsoFails_staysRecorded_andTheReconcilerFinishesIt() {
    world.vapi().failAlways(FakeVapi.CREATE, Fault.status(400, "bad-request", "number already imported"));
    world.twilio().failAlways(FakeTwilio.RELEASE, Fault.status(500));

    JsonObject error = error(post(body("inbound")), 502, "provider_error");
    assertEquals(Boolean.TRUE, error.optBoolean("refunded").orElse(false));
    assertEquals(BALANCE, world.db().balance(ORG), "refunded at once, even before the clean-up is done");
    assertEquals(1, world.twilio().heldNumbers().size(), "still held: Twilio refuses to release");
    assertEquals(Map.of("status", "failed", "cleanup_pending", true),
        world.db().row("SELECT status, cleanup_pending FROM managed_phone_numbers"));

    world.twilio().heal();
    world.expireLeases();
    Map<String, Object> summary = reconciler().run(false, () -> true);

    assertEquals(1, ((Number) summary.get("finishedProvisionings")).intValue(), summary.toString());
    assertUndone();
  }

  // ------------------------------------------- a refunded failure holds nothing

  private APIGatewayV2HTTPResponse postAs(UUID org, String direction, String key) {
    APIGatewayV2HTTPEvent e = provisionEvent(body(direction), key);
    e.getRequestContext().getAuthorizer().getJwt().getClaims().put("org_id", org.toString());
    return handler.handleRequest(e, null);
  }

  /** Org A's purchase fails with a 5xx (it may yet land): 502 refunded, the clean-up left to the reconciler. */
  private String refundedFailureOfTheFirstOrg() {
    world.twilio().failNext(FakeTwilio.BUY, Fault.status(500));
    JsonObject error = error(postAs(ORG, "inbound", "first-try"), 502, "provider_error");
    assertEquals(Boolean.TRUE, error.optBoolean("refunded").orElse(false));
    Map<String, Object> row = world.db().row("SELECT status, cleanup_pending, phone_number FROM managed_phone_numbers");
    assertEquals("failed", row.get("status"), "failed at once: it holds nothing");
    assertEquals(Boolean.TRUE, row.get("cleanup_pending"), "the Twilio look-up is still to come");
    assertEquals(List.of(), dropdown());
    return (String) row.get("phone_number");
  }

  @Test
  void provision_anotherOrgInTheSameAreaCode_duringTheCleanupWindowOfARefunded502_buysAtOnce() {
    String candidate = refundedFailureOfTheFirstOrg();
    UUID other = world.db().organization("Other Clinic", BALANCE);

    APIGatewayV2HTTPResponse r = postAs(other, "inbound", "other-org");

    assertEquals(201, r.getStatusCode(), r.getBody());
    assertEquals(candidate, json(r).string("phoneNumber"), "Twilio offered the unbought candidate again");
    world.expireLeases();
    Map<String, Object> summary = reconciler().run(false, () -> true);
    assertEquals(1, ((Number) summary.get("finishedProvisionings")).intValue(), summary.toString());
    assertEquals(List.of(candidate), world.twilio().heldNumbers().stream().map(FakeTwilio.HeldNumber::phoneNumber).toList());
    assertEquals(1, world.vapi().numbers().size(), "the other org's number stays imported");
    assertEquals(0, world.db().count("SELECT count(*) FROM managed_phone_numbers WHERE cleanup_pending"));
    assertEquals(BALANCE, world.db().balance(ORG));
    world.assertInvariant9();
  }

  @Test
  void provision_theSameOrgRetryingWithANewKey_afterARefunded502_buys_andTheCleanupSparesTheNewNumber() {
    String candidate = refundedFailureOfTheFirstOrg();

    APIGatewayV2HTTPResponse r = postAs(ORG, "inbound", "second-try");

    assertEquals(201, r.getStatusCode(), r.getBody());
    assertEquals(candidate, json(r).string("phoneNumber"), "the same candidate, now bought in the same subaccount");
    world.expireLeases();
    reconciler().run(false, () -> true);
    assertEquals(List.of(candidate), world.twilio().heldNumbers().stream().map(FakeTwilio.HeldNumber::phoneNumber).toList(),
        "the failed attempt's clean-up did not release the new attempt's number");
    assertEquals(List.of(json(r).string("vapiPhoneId")), world.vapi().numbers().stream().map(n -> n.id()).toList());
    assertEquals(0, world.twilio().successCount(FakeTwilio.RELEASE));
    assertEquals(0, world.db().count("SELECT count(*) FROM managed_phone_numbers WHERE cleanup_pending"));
    assertEquals(1, dropdown().size());
    assertEquals(BALANCE - 1000, world.db().balance(ORG));
    world.assertInvariant9();
  }

  @Test
  void provision_theCleanupOfARefunded502_waitsWhileAnotherLiveAttemptHoldsItsCandidate_andNeverReleasesIt() {
    String candidate = refundedFailureOfTheFirstOrg();
    String accountSid = (String) world.db().row("SELECT account_sid FROM twilio_subaccounts").get("account_sid");
    // another attempt of the same org (outbound) recorded the freed candidate, and its purchase landed
    UUID other = UUID.randomUUID();
    world.db().update("""
        INSERT INTO managed_phone_numbers (id, org_id, country_code, number_type, routing_direction, price_pence,
                                           phone_number, twilio_account_sid, lease_expires_at)
        VALUES (?, ?, 'US', 'local', 'outbound', 0, ?, ?, now() + interval '5 minutes')""",
        other, ORG, candidate, accountSid);
    FakeTwilio.HeldNumber bought = world.twilio().plantNumber(accountSid, candidate);

    expireLeasesBut(other); // the other attempt is alive and holds its lease
    reconciler().run(false, () -> true);
    assertEquals(1, world.db().count("SELECT count(*) FROM managed_phone_numbers WHERE cleanup_pending"),
        "whose purchase landed is not known yet: wait");

    world.db().update("UPDATE managed_phone_numbers SET twilio_phone_sid = ? WHERE id = ?", bought.sid(), other);
    expireLeasesBut(other); // the other attempt is alive and holds its lease
    reconciler().run(false, () -> true);
    assertEquals(0, world.db().count("SELECT count(*) FROM managed_phone_numbers WHERE cleanup_pending"));
    assertEquals(0, world.twilio().successCount(FakeTwilio.RELEASE), "the other attempt's number was never released");
    assertTrue(world.twilio().heldNumber(candidate).isPresent());
  }

  private void expireLeasesBut(UUID alive) {
    world.db().update("UPDATE managed_phone_numbers SET lease_expires_at = NULL, next_attempt_at = NULL WHERE id <> ?", alive);
  }

  /** The number a search offers first right now. */
  private String firstOffered() {
    APIGatewayV2HTTPEvent search = EventLoader.loadApiGatewayHttpEvent("events/search-available-numbers.json");
    APIGatewayV2HTTPResponse r = handler.handleRequest(search, null);
    assertEquals(200, r.getStatusCode(), r.getBody());
    return (String) ((Map<?, ?>) json(r).list("numbers").get(0)).get("phoneNumber");
  }

  /** Another org's attempt, in flight, that has recorded {@code phoneNumber} as its candidate. */
  private void anotherOrgIsBuying(String phoneNumber) {
    UUID other = world.db().organization("Busy Clinic", BALANCE);
    world.db().update("""
        INSERT INTO managed_phone_numbers (org_id, country_code, number_type, routing_direction, price_pence,
                                           phone_number, lease_expires_at)
        VALUES (?, 'US', 'local', 'inbound', 0, ?, now() + interval '5 minutes')""", other, phoneNumber);
  }

  @Test
  void provision_aCandidateAnotherRecordHolds_isTaken_andTheNextOneIsBought() {
    String held = firstOffered();
    anotherOrgIsBuying(held);

    APIGatewayV2HTTPResponse r = post(body("inbound"));

    assertEquals(201, r.getStatusCode(), r.getBody());
    assertFalse(held.equals(json(r).string("phoneNumber")), r.getBody());
  }

  @Test
  void provision_whenEveryCandidateIsHeldByAnotherRecord_is409NoNumbersAvailable_refunded() {
    world.twilio().pinAvailable("US", "Local", "+14155550123");
    anotherOrgIsBuying("+14155550123");

    JsonObject error = error(post(body("inbound")), 409, "no_numbers_available");

    assertEquals(Boolean.TRUE, error.optBoolean("refunded").orElse(false));
    assertEquals(BALANCE, world.db().balance(ORG));
    assertEquals(0, world.twilio().successCount(FakeTwilio.BUY));
    world.assertInvariant9();
  }

  @Test
  void provision_whenTheConnectionDropsRightAfterTheFinalCommitReachedTheServer_theNumberStaysLive() {
    // the activation's COMMIT reaches PostgreSQL, which commits; the answer is lost on the way back
    try (CommitDroppingProxy proxy = new CommitDroppingProxy(EmbeddedDatabase.shared().port())) {
      Map<String, String> env = new HashMap<>(world.settings());
      env.put("DATABASE_URL", proxy.jdbcUrl(world.db().jdbcUrl()));
      handler = new ProvisionNumberHandler(Settings.of(env), step -> {
        if (step.equals("vapi_import")) {
          proxy.dropAfterNextCommit();
        }
      });

      APIGatewayV2HTTPResponse r = post(body("inbound"));

      assertTrue(proxy.fired(), "the commit was never dropped");
      assertEquals(201, r.getStatusCode(), r.getBody());
      assertEquals("active", world.db().row("SELECT status FROM managed_phone_numbers").get("status"));
      assertEquals(1, world.twilio().heldNumbers().size(), "still bought");
      assertEquals(0, world.twilio().successCount(FakeTwilio.RELEASE));
      assertEquals(List.of(json(r).string("vapiPhoneId")), world.vapi().numbers().stream().map(n -> n.id()).toList());
      assertEquals(1, dropdown().size(), "listed");
      assertEquals(BALANCE - 1000, world.db().balance(ORG), "charged once, not refunded");
      assertEquals(world.db().ledgerSum(ORG), world.db().balance(ORG));
      world.assertInvariant9();
    }
  }

  // ---------------------------------------------------------- crash between steps

  private ReconcileNumbers reconciler() {
    Settings s = Settings.of(world.settings());
    return new ReconcileNumbers(new Database(DatabaseUrl.parse(world.db().jdbcUrl())), TwilioTelephony.from(s),
        VapiVoicePlatform.from(s), NumberSettings.from(s), SagaHooks.NONE);
  }

  @Test
  void provision_whenTheFunctionDiesBetweenAnyTwoSteps_theReconcilerRefundsAndReleases() {
    for (String step : List.of("charged", "subaccount", "purchase", "vapi_import")) {
      handler = handler(s -> {
        if (s.equals(step)) {
          throw new SimulatedCrash(s);
        }
      });
      assertThrows(SimulatedCrash.class, () -> post(body("inbound")), step);
      assertEquals(BALANCE - 1000, world.db().balance(ORG), "charged before the crash at " + step);
      world.assertInvariant9();

      world.expireLeases();
      Map<String, Object> summary = reconciler().run(false, () -> true);
      assertEquals(1, ((Number) summary.get("finishedProvisionings")).intValue(), step + ": " + summary);
      assertUndone();
    }
  }

  @Test
  void provision_retriedWithTheSameKeyAfterACrash_settlesAndAnswersRefunded() {
    handler = handler(s -> {
      if (s.equals("purchase")) {
        throw new SimulatedCrash(s);
      }
    });
    assertThrows(SimulatedCrash.class, () -> handler.handleRequest(provisionEvent(body("inbound"), "key-crash"), null));
    handler = handler(SagaHooks.NONE);

    error(handler.handleRequest(provisionEvent(body("inbound"), "key-crash"), null), 409, "request_in_progress");
    world.expireLeases();
    JsonObject error = error(handler.handleRequest(provisionEvent(body("inbound"), "key-crash"), null), 502, "provider_error");
    assertEquals(Boolean.TRUE, error.optBoolean("refunded").orElse(false));
    assertUndone();
  }

  @Test
  void provision_whenTheFunctionDiesAfterTheFinalCommit_aRetryReplaysTheSuccess() {
    handler = handler(s -> {
      if (s.equals("vapi_import")) {
        // the database connection is killed mid-flow: the next transaction reconnects
        world.db().killOtherConnections();
      }
    });
    APIGatewayV2HTTPResponse first = handler.handleRequest(provisionEvent(body("inbound"), "key-after"), null);
    assertEquals(201, first.getStatusCode(), first.getBody());

    APIGatewayV2HTTPResponse retry = handler(SagaHooks.NONE).handleRequest(provisionEvent(body("inbound"), "key-after"), null);
    assertEquals(201, retry.getStatusCode());
    assertEquals(first.getBody(), retry.getBody());
    assertEquals(1, world.twilio().successCount(FakeTwilio.BUY));
  }

  // ------------------------------------------------------- idempotency and races

  @Test
  void provision_retriedWithTheSameKey_buysOnce_andAnswersTheSame() {
    APIGatewayV2HTTPResponse first = handler.handleRequest(provisionEvent(body("inbound"), "key-1"), null);
    APIGatewayV2HTTPResponse second = handler.handleRequest(provisionEvent(body("inbound"), "key-1"), null);

    assertEquals(201, first.getStatusCode());
    assertEquals(201, second.getStatusCode());
    assertEquals(first.getBody(), second.getBody());
    assertEquals(1, world.twilio().successCount(FakeTwilio.BUY));
    assertEquals(BALANCE - 1000, world.db().balance(ORG));

    error(handler.handleRequest(provisionEvent(body("outbound"), "key-1"), null), 409, "idempotency_conflict");
  }

  /**
   * API Gateway stops waiting after 30 s while the saga may run for 60: the client gets 503
   * and retries with the same key. While the first still runs the retry is 409
   * request_in_progress; once it finished, the retry answers the first result.
   */
  @Test
  void provision_retriedWhileTheFirstIsRunning_is409_andOnceItFinished_answersTheFirstResult() throws Exception {
    CountDownLatch inSaga = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ProvisionNumberHandler slow = handler(s -> {
      if (s.equals("purchase")) {
        inSaga.countDown();
        await(release);
      }
    });
    ExecutorService pool = Executors.newSingleThreadExecutor();
    APIGatewayV2HTTPResponse firstAnswer;
    try {
      Future<APIGatewayV2HTTPResponse> first = pool.submit(() -> slow.handleRequest(provisionEvent(body("inbound"), "key-2"), null));
      assertTrue(inSaga.await(10, TimeUnit.SECONDS));
      error(handler.handleRequest(provisionEvent(body("inbound"), "key-2"), null), 409, "request_in_progress");
      release.countDown();
      firstAnswer = first.get(10, TimeUnit.SECONDS);
      assertEquals(201, firstAnswer.getStatusCode());
    } finally {
      pool.shutdownNow();
    }
    APIGatewayV2HTTPResponse retry = handler.handleRequest(provisionEvent(body("inbound"), "key-2"), null);
    assertEquals(201, retry.getStatusCode());
    assertEquals(firstAnswer.getBody(), retry.getBody(), "the retry answers what the first request answered");
    assertEquals(1, world.twilio().successCount(FakeTwilio.BUY));
    assertEquals(BALANCE - 1000, world.db().balance(ORG), "charged once");
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void provision_tenConcurrentRequests_buyExactlyOnce_andChargeOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(10);
    List<Future<APIGatewayV2HTTPResponse>> results = new ArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    try {
      for (int i = 0; i < 10; i++) {
        String key = "race-" + i;
        results.add(pool.submit(() -> {
          go.await();
          return handler.handleRequest(provisionEvent(body("inbound"), key), null);
        }));
      }
      go.countDown();
      int created = 0;
      int conflicts = 0;
      for (Future<APIGatewayV2HTTPResponse> f : results) {
        int status = f.get(30, TimeUnit.SECONDS).getStatusCode();
        if (status == 201) created++;
        if (status == 409) conflicts++;
      }
      assertEquals(1, created);
      assertEquals(9, conflicts);
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, world.twilio().successCount(FakeTwilio.BUY));
    assertEquals(BALANCE - 1000, world.db().balance(ORG));
    assertEquals(world.db().ledgerSum(ORG), world.db().balance(ORG));
    world.assertInvariant9();
  }

  // ---------------------------------------------------------------- SnapStart

  @Test
  void snapStartHooks_primeWithoutBuyingOrWriting_andTheFunctionWorksAfterRestore() {
    handler.snapStart().beforeCheckpoint(null);
    assertEquals(0, world.twilio().journal().size(), "priming calls no provider");
    assertEquals(0, world.db().count("SELECT count(*) FROM managed_phone_numbers"));
    handler.snapStart().afterRestore(null);

    assertEquals(201, post(body("inbound")).getStatusCode());
  }

  // ------------------------------------------------------------ per-org limits

  private ProvisionNumberHandler limitedHandler(String name, String value) {
    Map<String, String> env = new HashMap<>(world.settings());
    env.put(name, value);
    return new ProvisionNumberHandler(Settings.of(env), SagaHooks.NONE);
  }

  private static APIGatewayV2HTTPEvent searchEvent(UUID org) {
    APIGatewayV2HTTPEvent e = EventLoader.loadApiGatewayHttpEvent("events/search-available-numbers.json");
    e.getRequestContext().getAuthorizer().getJwt().getClaims().put("org_id", org.toString());
    return e;
  }

  /**
   * Search limit: every search is a call on the platform's Twilio account; one tenant's burst
   * could exhaust its rate limit for everyone. Over the org's limit: 429 with Retry-After,
   * before Twilio is called; another org searches on.
   */
  @Test
  void search_overTheOrgsLimit_is429WithRetryAfter_beforeTwilio_andAnotherOrgSearchesOn() {
    UUID other = world.db().organization("Other Dental", 0);
    ProvisionNumberHandler limited = limitedHandler("SEARCH_LIMIT_PER_MINUTE", "3");
    for (int i = 0; i < 3; i++) {
      assertEquals(200, limited.handleRequest(searchEvent(ORG), null).getStatusCode());
    }
    long searches = world.twilio().count(FakeTwilio.SEARCH_LOCAL);

    APIGatewayV2HTTPResponse refused = limited.handleRequest(searchEvent(ORG), null);

    JsonObject error = error(refused, 429, "rate_limited");
    long retryAfter = Long.parseLong(refused.getHeaders().get("retry-after"));
    assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
    assertEquals(retryAfter, error.optLong("retryAfterSeconds").orElseThrow());
    assertEquals(searches, world.twilio().count(FakeTwilio.SEARCH_LOCAL), "refused before Twilio");
    assertEquals(200, limited.handleRequest(searchEvent(other), null).getStatusCode(), "another org is not limited");
    // the window is the org's own: once it has passed, the org searches again
    world.db().update("UPDATE org_rate_limits SET window_start = window_start - interval '61 seconds'");
    assertEquals(200, limited.handleRequest(searchEvent(ORG), null).getStatusCode());
  }

  /** A purchase the tenant's own request makes fail: Twilio refuses the area code it asked for. */
  private void failByTenant() {
    world.twilio().failAlways(FakeTwilio.SEARCH_LOCAL, Fault.status(400, "21452", "Area code is invalid"));
  }

  /**
   * Every failed attempt called Twilio on the platform's account, and a failure is refunded, so
   * nothing stopped a tenant from failing again at once. After the limit of failed attempts
   * caused by its own requests: 429 before any charge or provider call, also with a new
   * Idempotency-Key; a replay of an earlier key still gets its first answer; another org still
   * buys.
   */
  @Test
  void provision_afterTooManyFailedAttempts_is429_beforeAnyChargeOrCall_andAnotherOrgStillBuys() {
    UUID other = world.db().organization("Other Dental", BALANCE);
    ProvisionNumberHandler limited = limitedHandler("FAILED_PROVISIONING_LIMIT_PER_HOUR", "2");
    failByTenant();
    APIGatewayV2HTTPResponse first = limited.handleRequest(provisionEvent(body("inbound"), "attempt-1"), null);
    error(first, 502, "provider_error");
    error(limited.handleRequest(provisionEvent(body("inbound"), "attempt-2"), null), 502, "provider_error");
    world.twilio().heal();
    int calls = world.twilio().journal().size();

    APIGatewayV2HTTPResponse refused = limited.handleRequest(provisionEvent(body("inbound"), "attempt-3"), null);

    error(refused, 429, "rate_limited");
    assertTrue(Long.parseLong(refused.getHeaders().get("retry-after")) > 3000, refused.getHeaders().toString());
    assertEquals(calls, world.twilio().journal().size(), "no provider call");
    assertEquals(BALANCE, world.db().balance(ORG));
    assertEquals(world.db().ledgerSum(ORG), world.db().balance(ORG));
    assertEquals(2, world.db().count("SELECT count(*) FROM managed_phone_numbers WHERE org_id = ?", ORG));
    // the refusal is not stored as the key's answer: the same key works once the window has passed
    APIGatewayV2HTTPResponse replay = limited.handleRequest(provisionEvent(body("inbound"), "attempt-1"), null);
    assertEquals(first.getBody(), replay.getBody(), "a replay is not an attempt");

    APIGatewayV2HTTPEvent otherOrg = provisionEvent(body("outbound"), "other-1");
    otherOrg.getRequestContext().getAuthorizer().getJwt().getClaims().put("org_id", other.toString());
    assertEquals(201, limited.handleRequest(otherOrg, null).getStatusCode(), "another org still buys");

    world.db().update("UPDATE managed_phone_numbers SET failed_at = failed_at - interval '61 minutes' WHERE org_id = ?", ORG);
    assertEquals(201, limited.handleRequest(provisionEvent(body("inbound"), "attempt-3"), null).getStatusCode());
  }

  /** Free numbers (NUMBER_PRICE_PENCE 0) refund nothing, yet their failed attempts count the same. */
  @Test
  void provision_withFreeNumbers_failedAttemptsStillCount() {
    Map<String, String> env = new HashMap<>(world.settings());
    env.put("FAILED_PROVISIONING_LIMIT_PER_HOUR", "2");
    env.put("NUMBER_PRICE_PENCE", "0");
    ProvisionNumberHandler free = new ProvisionNumberHandler(Settings.of(env), SagaHooks.NONE);
    failByTenant();
    for (int i = 1; i <= 2; i++) {
      error(free.handleRequest(provisionEvent(body("inbound"), "free-" + i), null), 502, "provider_error");
    }
    error(free.handleRequest(provisionEvent(body("inbound"), "free-3"), null), 429, "rate_limited");
  }

  /**
   * Failures that are not the tenant's doing (Twilio or Vapi down, our own outage) do not count
   * against it: a platform incident never locks tenants out once it is over.
   */
  @Test
  void provision_failuresOfThePlatform_doNotCountAgainstTheTenant() {
    ProvisionNumberHandler limited = limitedHandler("FAILED_PROVISIONING_LIMIT_PER_HOUR", "1");
    world.twilio().failAlways(FakeTwilio.SEARCH_LOCAL, Fault.status(503));
    for (int i = 1; i <= 3; i++) {
      error(limited.handleRequest(provisionEvent(body("inbound"), "twilio-down-" + i), null), 502, "provider_error");
    }
    world.twilio().heal();
    world.vapi().failAlways(FakeVapi.CREATE, Fault.status(500));
    for (int i = 1; i <= 2; i++) {
      error(limited.handleRequest(provisionEvent(body("inbound"), "vapi-down-" + i), null), 502, "provider_error");
    }
    world.vapi().heal();

    assertEquals(201, limited.handleRequest(provisionEvent(body("inbound"), "after-the-incident"), null).getStatusCode());
  }

  // ------------------------------------------------------------------- search

  @Test
  void search_listsAvailableNumbers_underThePlatformAccount() {
    APIGatewayV2HTTPResponse r = handler.handleRequest(
        EventLoader.loadApiGatewayHttpEvent("events/search-available-numbers.json"), null);
    assertEquals(200, r.getStatusCode(), r.getBody());
    List<Object> numbers = json(r).list("numbers");
    assertFalse(numbers.isEmpty());
    assertTrue(numbers.size() <= 5);
    assertTrue(((Map<?, ?>) numbers.get(0)).get("phoneNumber").toString().startsWith("+1415"));
    assertEquals(0, world.db().count("SELECT count(*) FROM twilio_subaccounts"), "a search creates no subaccount");
  }

  @Test
  void search_rejectsBadQueries_andReportsProviderFailureAs502() {
    for (Map<String, String> q : List.of(Map.of("country", "FR"), Map.of("country", "US", "limit", "21"),
        Map.of("country", "US", "limit", "0"), Map.of("country", "US", "areaCode", "4155"),
        Map.of("country", "US", "evil", "1"), Map.<String, String>of())) {
      APIGatewayV2HTTPEvent e = EventLoader.loadApiGatewayHttpEvent("events/search-available-numbers.json");
      e.setQueryStringParameters(new HashMap<>(q));
      error(handler.handleRequest(e, null), 400, "invalid_request");
    }
    world.twilio().failAlways(FakeTwilio.SEARCH_LOCAL, Fault.status(500));
    error(handler.handleRequest(EventLoader.loadApiGatewayHttpEvent("events/search-available-numbers.json"), null),
        502, "provider_error");
  }
}
